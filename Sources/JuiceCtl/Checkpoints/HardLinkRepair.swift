internal import Foundation
internal import JuiceCtlCore

/// Gives a clone back the hard links of its source: `juicefs clone` copies each name of a linked file as a file of
/// its own, so for each group the copy of the first name is kept and every other name's copy is replaced by a link
/// to it.
///
/// Each replacement is atomic: `link(first, dir/.juicectl-link.<random>)`, then `rename()` of that name over the
/// copy. Before it, the two copies must look like one file (both regular, same size, mode, owner, group and
/// modification time to the nanosecond); a name whose copy does not (its source changed between the scan and the
/// clone) is left alone and reported as skipped. The times of each directory whose names were replaced are read
/// before and put back after, so the clone's directory times stay the source's. No path below the clone's root is
/// followed through a symbolic link: the clone is juicectl's, but its names come from the tenant's tree.
///
/// Directories are repaired concurrently (``concurrency`` at a time), each in one session, so that no two sessions
/// change one directory.
struct HardLinkRepair: Sendable {
    let host: any HostProbing
    /// What the repair's duration is measured on.
    var clock: HostClock = .system
    /// How long one session of calls on the volume may take: this, and ``perName`` more for each name it handles.
    var deadline: Duration = .seconds(30)
    /// See ``deadline``.
    var perName: Duration = .seconds(1)
    /// How many sessions (groups of names, or directories) run at once. JuiceFS makes the writes of one mount one
    /// after the other, so more only overlaps the lookups with them: on 2 cores, 4 was the fastest of 1, 4, 8 and 16.
    var concurrency: Int = 4

    /// What a repair did.
    struct Report: Sendable, Hashable {
        /// Names that are now links to their group's first name (also those that already were).
        var kept: Int = 0
        /// Names left alone, because their copy did not look like the first name's copy.
        var skipped: [TreePath] = []
        /// How long it took.
        var duration: Duration = .zero
    }

    /// Re-links every group in the clone at `clone` (a host path; the groups' names are relative to it).
    ///
    /// The calls run in sessions (``HostProbing/withTreeCalls(below:deadline:_:)``), a thread each: first the
    /// groups' first names are looked at, in ``concurrency`` sessions, then each directory whose names are replaced
    /// is repaired in a session of its own, ``concurrency`` directories at once.
    ///
    /// - Throws: ``HardLinkError`` when a call on the volume fails other than by a name being gone or changed, or a
    ///   session misses its deadline; the clone is then partly repaired, and the step that made it must fail.
    func repair(_ groups: [HardLinkGroup], in clone: String) async throws(HardLinkError) -> Report {
        let start = clock.now()
        var report = Report()
        // The first name in each group whose copy is a regular file is the one the others become links to.
        let size = max(1, (groups.count + concurrency - 1) / max(1, concurrency))
        let chunks = stride(from: 0, to: groups.count, by: size).map { Array(groups[$0..<min($0 + size, groups.count)]) }
        let keepers = try await concurrently(chunks) { chunk throws(HardLinkError) in
            try await session(names: chunk.count, in: clone) { calls in
                var keepers: [Keeper?] = []
                for group in chunk {
                    switch Self.keeper(of: group, calls) {
                    case .success(let keeper): keepers.append(keeper)
                    case .failure(let error): return .failure(error)
                    }
                }
                return .success(keepers)
            }
        }.flatMap { (chunk: [Keeper?]) in chunk }
        var buckets: [TreePath: [Replacement]] = [:]
        for (group, keeper) in zip(groups, keepers) {
            guard let keeper else {
                report.skipped += group.names
                continue
            }
            for name in group.names where name != keeper.name {
                buckets[name.parent, default: []].append(Replacement(keeper: keeper, name: name))
            }
        }
        let work = buckets.sorted { $0.key < $1.key }
        let outcomes = try await concurrently(work) { directory, replacements throws(HardLinkError) in
            try await session(names: replacements.count, in: clone) { calls in Self.repair(directory, replacements, calls) }
        }
        for outcome in outcomes {
            report.kept += outcome.kept
            report.skipped += outcome.skipped
        }
        report.skipped.sort()
        report.duration = clock.now() - start
        return report
    }

    /// A group's first name whose copy is a regular file, with its status.
    private struct Keeper: Sendable {
        var name: TreePath
        var status: EntryStatus
    }

    /// One name to become a link to its group's keeper.
    private struct Replacement: Sendable {
        var keeper: Keeper
        var name: TreePath
    }

    /// What the repair of one directory did.
    private struct Outcome: Sendable {
        var kept = 0
        var skipped: [TreePath] = []
    }

    /// Runs `body` in one session of calls on the clone; a session that misses its deadline is an error.
    private func session<T: Sendable>(
        names: Int, in clone: String,
        _ body: @escaping @Sendable (any TreeCalls) -> Result<T, HardLinkError>
    ) async throws(HardLinkError) -> T {
        let limit = deadline + perName * names
        guard let result = await host.withTreeCalls(below: clone, deadline: limit, body) else {
            throw HardLinkError(
                "re-linking the hard links in the clone at \(clone) did not finish within \(limit.milliseconds / 1000) s; "
                    + "check that the volume answers (juicectl status) and try again")
        }
        return try result.get()
    }

    /// The first name of `group` whose copy is a regular file, with its status; `nil` when there is none.
    private static func keeper(of group: HardLinkGroup, _ calls: any TreeCalls) -> Result<Keeper?, HardLinkError> {
        for name in group.names {
            switch calls.status(name) {
            case .found(let status) where status.kind == .regular: return .success(Keeper(name: name, status: status))
            case .found: continue
            case .failed(let code) where isGoneOrChanged(code): continue
            case .failed(let code): return .failure(failure("lstat", name, code))
            }
        }
        return .success(nil)
    }

    /// Replaces the names of one directory and puts its times back.
    private static func repair(_ directory: TreePath, _ replacements: [Replacement], _ calls: any TreeCalls) -> Result<
        Outcome, HardLinkError
    > {
        let times: EntryStatus
        switch calls.status(directory) {
        case .found(let status) where status.kind == .directory: times = status
        case .found: return .success(Outcome(skipped: replacements.map(\.name)))
        case .failed(let code) where isGoneOrChanged(code): return .success(Outcome(skipped: replacements.map(\.name)))
        case .failed(let code): return .failure(failure("lstat", directory, code))
        }
        var outcome = Outcome()
        var changed = false
        for replacement in replacements {
            let keeper = replacement.keeper
            switch calls.status(replacement.name) {
            case .found(let status) where status.inode == keeper.status.inode:
                outcome.kept += 1
            case .found(let status) where status.looksLikeCopy(of: keeper.status):
                changed = true
                if let error = link(replacement.name, to: keeper.name, calls) { return .failure(error) }
                outcome.kept += 1
            case .found:
                outcome.skipped.append(replacement.name)
            case .failed(let code) where isGoneOrChanged(code):
                outcome.skipped.append(replacement.name)
            case .failed(let code):
                return .failure(failure("lstat", replacement.name, code))
            }
        }
        if changed {
            let code = calls.setTimes(directory, accessed: times.accessed, modified: times.modified)
            guard code == 0 else { return .failure(failure("setting the times of", directory, code)) }
        }
        return .success(outcome)
    }

    /// Makes `name` a link to `keeper`: a link under a fresh temporary name in `name`'s directory, renamed over it.
    private static func link(_ name: TreePath, to keeper: TreePath, _ calls: any TreeCalls) -> HardLinkError? {
        for _ in 0..<5 {
            guard let temporary = name.parent.appending(Array(".juicectl-link.\(VolumeFiles.token())".utf8)) else { break }
            let linked = calls.link(keeper, as: temporary)
            if linked == EEXIST { continue }
            guard linked == 0 else { return failure("linking \(keeper) as", temporary, linked) }
            let renamed = calls.rename(temporary, over: name)
            guard renamed == 0 else { return failure("renaming \(temporary) over", name, renamed) }
            return nil
        }
        return HardLinkError("no free temporary name next to \(name) in the clone; run the command again")
    }

    /// Runs `body` for every item, ``concurrency`` at a time, and returns the results in the items' order.
    private func concurrently<Item: Sendable, Value: Sendable>(
        _ items: [Item], _ body: @escaping @Sendable (Item) async throws(HardLinkError) -> Value
    ) async throws(HardLinkError) -> [Value] {
        let results = await withTaskGroup(of: (Int, Result<Value, HardLinkError>).self) { group in
            var results: [Result<Value, HardLinkError>?] = Array(repeating: nil, count: items.count)
            var next = 0
            func start() {
                guard next < items.count else { return }
                let index = next
                let item = items[index]
                next += 1
                group.addTask {
                    do throws(HardLinkError) { return (index, .success(try await body(item))) } catch { return (index, .failure(error)) }
                }
            }
            for _ in 0..<max(1, concurrency) { start() }
            while let (index, result) = await group.next() {
                results[index] = result
                if case .failure = result { group.cancelAll() } else { start() }
            }
            return results
        }
        for case .failure(let error)? in results { throw error }
        return results.compactMap { result in if case .success(let value)? = result { value } else { nil } }
    }

    /// Whether `code` says the name is gone or is no longer what the scan saw (a directory on the way replaced).
    private static func isGoneOrChanged(_ code: Int32) -> Bool {
        code == ENOENT || code == ENOTDIR || code == ELOOP
    }

    private static func failure(_ operation: String, _ path: TreePath, _ code: Int32) -> HardLinkError {
        HardLinkError(
            "re-linking the clone's hard links failed: \(operation) \(path): \(String(cString: strerror(code))); "
                + "the clone is left for the next juicectl apply to remove; check that the volume answers and try again")
    }
}
