internal import CJuiceCtlShims
internal import Foundation
internal import JuiceCtlCore

#if canImport(Glibc)
    import Glibc
#endif

/// Finds the processes and mounts that use trees of a JuiceFS volume, in every mount namespace of the host, from
/// `/proc` alone and without a single request to the FUSE mount (a hung mount cannot hang the scan).
///
/// **What is read.** For every pid but juicectl's own (its children are looked at: they may hold the tree like
/// anyone else), the link texts of `cwd`, `root`, each `fd/N` (`readlink`, never followed), and `maps`: only a
/// mapping of a file on a device that counts gets a `readlink` of its `map_files/RANGE` entry (a process maps
/// dozens of files; `maps` names their devices in one read; since Linux 6.8 a file of an overlay shows the
/// overlay's device there, before that its upper or lower file's). Texts that are no path (`socket:[…]`,
/// `pipe:[…]`, `anon_inode:…`) are dropped at once, and so is a text that lies below no mount of a device that
/// counts (``MountView/mayReach(_:)``), before any `fdinfo` is read. The mount a
/// reference goes through comes from its `mnt_id`: `fdinfo/N` for a descriptor; for the other links, an
/// `open(O_PATH)` of the link itself (it resolves the link in the kernel, runs no `open` or `getattr` of the
/// filesystem: no FUSE request) and the `mnt_id:` of juicectl's own `fdinfo` for that descriptor. Mount ids are
/// unique across namespaces, so the id names a line of a mount table of the process's namespace, which gives the
/// device, the mount's root in its filesystem, and its mount point. Threads are not looked at one by one: a
/// thread with its own working directory (`unshare(CLONE_FS)`) is missed.
///
/// **Views, as measured on kernel 6.18.** `readlink` answers in juicectl's view where it can: a process in
/// juicectl's namespace, chrooted or not, gives the full path from juicectl's root. For a process in another
/// mount namespace (`unshare -m`, a bind mount of `t/active/fs` at `dst`, `cd dst/sub`), `cwd` reads
/// `/…/dst/sub`: the path from *that namespace's* root, since juicectl's root is not on the way up; its `root`
/// reads `/`, and so does the root of a process that did `pivot_root` into a bind mount of the tree (its
/// mountinfo shows `/active/fs/rootfs /` for that mount, so `root` reaches `/active`). A process's
/// `/proc/PID/mountinfo` names mount points from its own root and leaves out mounts it cannot reach: a
/// chrooted process's table can be empty. Hence the tables used: juicectl's own `/proc/self/mountinfo` for its
/// own namespace; for another namespace, the table of one of its processes whose `root` reads `/` (written from
/// the namespace root, like the link texts); when there is none, each process's own table with its `root` text put
/// in front of every mount point. Where the texts still do not line up, the reference counts with no path (see
/// ``TreeUsageMatcher``). A reference through a mount that is in no table (detached by `umount -l`) is not found.
///
/// **Mounts.** Each namespace's table (the one above) is searched for mounts that use a tree
/// (``TreeUsageMatcher/mountUses(in:ownNamespace:)``); juicectl's own mounts (``TreeUsageQuery/ownMounts``) in its
/// own namespace are left out. A mount in another namespace lists up to ``pidLimit`` of that namespace's pids; one
/// in juicectl's namespace lists none (no process ends it). A namespace no process is in (pinned by a bind mount
/// of its `ns/mnt` file) is not seen.
///
/// **Errors.** A process that exits during the scan, or a file that cannot be read, is skipped quietly.
struct TreeUsageScanner: Sendable {
    /// At most this many pids are listed for a mount in another namespace.
    static let pidLimit = 16

    let matcher: TreeUsageMatcher

    /// A scanner for `query`.
    init(_ query: TreeUsageQuery) {
        matcher = TreeUsageMatcher(query)
    }

    /// The users, found on a thread of its own (the scan makes thousands of small blocking reads of `/proc`).
    static func users(_ query: TreeUsageQuery) async -> [TreeUser] {
        let scanner = TreeUsageScanner(query)
        return await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: scanner.scan()) }
            thread.stackSize = 512 << 10
            thread.start()
        }
    }

    /// One process of a namespace, with the text of its `root` link.
    private struct Member {
        var pid: Int32
        var root: ProcLinkText?
    }

    /// The users: mounts first (juicectl's namespace, then the others by inode), then processes by pid.
    func scan() -> [TreeUser] {
        let ownPID = getpid()
        let ownNamespace = ProcFiles.link("/proc/self/ns/mnt").text.flatMap(ProcText.namespaceInode)
        var namespaces: [UInt64: [Member]] = [:]
        for pid in ProcFiles.pids() where pid != ownPID {
            guard let namespace = ProcFiles.link("/proc/\(pid)/ns/mnt").text.flatMap(ProcText.namespaceInode) else { continue }
            namespaces[namespace, default: []].append(Member(pid: pid, root: ProcFiles.link("/proc/\(pid)/root").target))
        }
        if let ownNamespace, namespaces[ownNamespace] == nil { namespaces[ownNamespace] = [] }
        let order = namespaces.keys.sorted { ($0 == ownNamespace ? 0 : 1, $0) < ($1 == ownNamespace ? 0 : 1, $1) }

        var mountUsers: [TreeUser] = []
        var processUsers: [TreeUser] = []
        for namespace in order {
            let members = namespaces[namespace] ?? []
            let isOwn = namespace == ownNamespace
            let shared =
                isOwn
                ? view(of: "self", root: "/")
                : members.first { $0.root == .path("/", deleted: false) }
                    .flatMap { view(of: String($0.pid), root: "/") }
            if let table = shared ?? members.lazy.compactMap({ view(of: $0) }).first {
                let pids = isOwn ? [] : Array(members.prefix(Self.pidLimit).map(\.pid))
                for (entry, hit) in matcher.mountUses(in: table.entries, ownNamespace: isOwn) {
                    mountUsers.append(
                        TreeUser(
                            tree: hit.tree, volumePath: hit.volumePath,
                            holder: .mount(
                                mountPoint: entry.mountPoint, namespace: namespace, hostNamespace: isOwn, pids: pids)))
                }
            }
            if shared?.reachesNothing == true { continue }
            for member in members {
                guard let view = shared ?? view(of: member), !view.reachesNothing else { continue }
                processUsers += users(of: member, in: view)
            }
        }
        let byPID = processUsers.enumerated().sorted { ($0.element.pid ?? 0, $0.offset) < ($1.element.pid ?? 0, $1.offset) }
        return mountUsers + byPID.map(\.element)
    }

    /// The mount table of `/proc/<process>/mountinfo`, seen from juicectl where the process's root reads `root`.
    private func view(of process: String, root: String) -> MountView? {
        guard let bytes = readProcFile("/proc/\(process)/mountinfo") else { return nil }
        return MountView(MountInfoParser.parse(String(decoding: bytes, as: UTF8.self)), root: root, matcher: matcher)
    }

    /// A process's own mount table (for a namespace where no process has the namespace root as its root).
    private func view(of member: Member) -> MountView? {
        view(of: String(member.pid), root: member.root?.path ?? "/")
    }

    /// The trees one process uses, one user per tree.
    private func users(of member: Member, in view: MountView) -> [TreeUser] {
        let base = "/proc/\(member.pid)"
        var hits: [(ProcessTreeUse.Link, ProcLinkText, TreeHit)] = []
        /// `onRelevantDevice`: the device is known to count already (from maps), the text need not be checked.
        func consider(_ link: ProcessTreeUse.Link, _ text: ProcLinkText?, onRelevantDevice: Bool = false, mountID: () -> Int?) {
            guard let text, onRelevantDevice || view.mayReach(text), let id = mountID(), let entry = view.entry(id) else { return }
            for hit in matcher.hits(link: text, through: entry) { hits.append((link, text, hit)) }
        }
        consider(.workingDirectory, ProcFiles.link("\(base)/cwd").target) { ProcFiles.openedMountID("\(base)/cwd") }
        consider(.rootDirectory, member.root) { ProcFiles.openedMountID("\(base)/root") }
        for fd in ProcFiles.names(in: "\(base)/fd") {
            consider(.descriptor, ProcFiles.link("\(base)/fd/\(fd)").target) {
                readProcFile("\(base)/fdinfo/\(fd)").flatMap { ProcText.mountID(fromFDInfo: String(decoding: $0, as: UTF8.self)) }
            }
        }
        // Only mappings of a file on a device that counts get a `readlink` of their `map_files` entry.
        let ranges = readProcFile("\(base)/maps", chunk: 1 << 14).map { ProcText.mappedFiles(fromMaps: $0, on: matcher.relevantDevices) }
        var mapped: Set<ProcLinkText> = []
        for range in ranges ?? [] {
            let link = "\(base)/map_files/\(range)"
            guard let text = ProcFiles.link(link).target, mapped.insert(text).inserted else { continue }
            consider(.memoryMap, text, onRelevantDevice: true) { ProcFiles.openedMountID(link) }
        }
        guard !hits.isEmpty else { return [] }
        var use = ProcessTreeUse(pid: member.pid, command: ProcFiles.command(of: member.pid))
        for (link, text, hit) in hits { use.add(link, text: text, hit: hit) }
        return use.users
    }
}

/// The few `/proc` reads of the scan, through plain system calls; every failure reads as "nothing".
enum ProcFiles {
    /// What `readlink` said.
    enum LinkRead {
        case text(String)
        case tooLong
        case failed

        /// The text, when it was read.
        var text: String? {
            if case .text(let text) = self { return text }
            return nil
        }

        /// The text parsed; `nil` when it names no file or could not be read at all.
        var target: ProcLinkText? {
            switch self {
            case .text(let text): ProcLinkText.parse(text)
            case .tooLong: .tooLong
            case .failed: nil
            }
        }
    }

    /// `readlink(2)`; the kernel writes at most `PATH_MAX - 1` bytes of a `/proc` link.
    static func link(_ path: String) -> LinkRead {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(PATH_MAX) + 1) { buffer in
            let count = readlink(path, buffer.baseAddress!, buffer.count)
            if count < 0 { return errno == ENAMETOOLONG ? .tooLong : .failed }
            let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: count)
            return .text(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The names in a directory (`.` and `..` left out), or none.
    static func names(in directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The pids in `/proc`, ascending.
    static func pids() -> [Int32] {
        names(in: "/proc").compactMap(Int32.init).sorted()
    }

    /// The `mnt_id` of what a `/proc` link points to: `open(O_PATH)` of the link (no request to the filesystem
    /// behind it), then juicectl's own `fdinfo` of that descriptor.
    static func openedMountID(_ link: String) -> Int? {
        let fd = cjuicectl_open_path(link)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readProcFile("/proc/self/fdinfo/\(fd)").flatMap { ProcText.mountID(fromFDInfo: String(decoding: $0, as: UTF8.self)) }
    }

    /// A process's command line joined with spaces (cut at 256 characters), or `[comm]` when it has none.
    static func command(of pid: Int32) -> String {
        if let bytes = readProcFile("/proc/\(pid)/cmdline"), !bytes.isEmpty {
            let words = ProcessCommandLine.split(bytes).joined(separator: " ")
            if !words.isEmpty { return String(words.prefix(256)) }
        }
        let comm = readProcFile("/proc/\(pid)/comm").map { String(decoding: $0, as: UTF8.self) } ?? ""
        return "[\(comm.trimmingCharacters(in: .newlines))]"
    }
}
