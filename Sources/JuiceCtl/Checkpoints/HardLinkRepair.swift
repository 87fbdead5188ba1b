internal import Foundation

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
/// Directories are repaired concurrently (``concurrency`` at a time), each by one task, so that no two tasks
/// change one directory.
struct HardLinkRepair: Sendable {
    let host: any HostProbing
    /// The deadline of each call on the volume.
    var deadline: Duration = .seconds(30)
    /// How many directories are repaired at once.
    var concurrency: Int = 8

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
    /// - Throws: ``HardLinkError`` when a call on the volume fails other than by a name being gone or changed; the
    ///   clone is then partly repaired, and the step that made it must fail.
    func repair(_ groups: [HardLinkGroup], in clone: String) async throws(HardLinkError) -> Report {
        let clock = ContinuousClock()
        let start = clock.now
        var report = Report()
        // The first name in each group whose copy is a regular file is the one the others become links to.
        var buckets: [TreePath: [Replacement]] = [:]
        let keepers = try await concurrently(groups) { group throws(HardLinkError) in try await keeper(of: group, in: clone) }
        for (group, keeper) in zip(groups, keepers) {
            guard let keeper else {
                report.skipped += group.names
                continue
            }
            for name in group.names where name != keeper.name {
                buckets[name.parent, default: []].append(Replacement(keeper: keeper.name, keeperStatus: keeper.status, name: name))
            }
        }
        let work = buckets.sorted { $0.key < $1.key }
        let outcomes = try await concurrently(work) { directory, replacements throws(HardLinkError) in
            try await repair(directory, replacements, in: clone)
        }
        for outcome in outcomes {
            report.kept += outcome.kept
            report.skipped += outcome.skipped
        }
        report.skipped.sort()
        report.duration = clock.now - start
        return report
    }

    /// One name to become a link to its group's keeper.
    private struct Replacement: Sendable {
        var keeper: TreePath
        var keeperStatus: EntryStatus
        var name: TreePath
    }

    /// The first name of `group` whose copy is a regular file, with its status; `nil` when there is none.
    private func keeper(of group: HardLinkGroup, in clone: String) async throws(HardLinkError) -> (name: TreePath, status: EntryStatus)? {
        for name in group.names {
            switch await host.entryStatus(name, below: clone, deadline: deadline) {
            case .found(let status) where status.kind == .regular: return (name, status)
            case .found: continue
            case .failed(let code) where Self.isGoneOrChanged(code): continue
            case .failed(let code): throw Self.failure("lstat", name, code)
            }
        }
        return nil
    }

    /// Replaces the names of one directory and puts its times back.
    private func repair(_ directory: TreePath, _ replacements: [Replacement],
                        in clone: String) async throws(HardLinkError) -> (kept: Int, skipped: [TreePath]) {
        let times: EntryStatus
        switch await host.entryStatus(directory, below: clone, deadline: deadline) {
        case .found(let status) where status.kind == .directory: times = status
        case .found: return (0, replacements.map(\.name))
        case .failed(let code) where Self.isGoneOrChanged(code): return (0, replacements.map(\.name))
        case .failed(let code): throw Self.failure("lstat", directory, code)
        }
        var kept = 0
        var skipped: [TreePath] = []
        var changed = false
        for replacement in replacements {
            switch await host.entryStatus(replacement.name, below: clone, deadline: deadline) {
            case .found(let status) where status.inode == replacement.keeperStatus.inode:
                kept += 1
            case .found(let status) where status.looksLikeCopy(of: replacement.keeperStatus):
                try await link(replacement.name, to: replacement.keeper, in: clone)
                changed = true
                kept += 1
            case .found:
                skipped.append(replacement.name)
            case .failed(let code) where Self.isGoneOrChanged(code):
                skipped.append(replacement.name)
            case .failed(let code):
                throw Self.failure("lstat", replacement.name, code)
            }
        }
        if changed {
            let code = await host.setTimes(directory, accessed: times.accessed, modified: times.modified, below: clone, deadline: deadline)
            guard code == 0 else { throw Self.failure("setting the times of", directory, code) }
        }
        return (kept, skipped)
    }

    /// Makes `name` a link to `keeper`: a link under a fresh temporary name in `name`'s directory, renamed over it.
    private func link(_ name: TreePath, to keeper: TreePath, in clone: String) async throws(HardLinkError) {
        for _ in 0..<5 {
            guard let temporary = name.parent.appending(Array(".juicectl-link.\(VolumeFiles.token())".utf8)) else { break }
            let linked = await host.link(keeper, as: temporary, below: clone, deadline: deadline)
            if linked == EEXIST { continue }
            guard linked == 0 else { throw Self.failure("linking \(keeper) as", temporary, linked) }
            let renamed = await host.rename(temporary, over: name, below: clone, deadline: deadline)
            guard renamed == 0 else { throw Self.failure("renaming \(temporary) over", name, renamed) }
            return
        }
        throw HardLinkError("no free temporary name next to \(name) in the clone at \(clone); run the command again")
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
        HardLinkError("re-linking the clone's hard links failed: \(operation) \(path): \(String(cString: strerror(code))); "
                      + "the clone is left for the next juicectl apply to remove; check that the volume answers and try again")
    }
}
