import Foundation
import JuiceCtl
import Testing

/// Python scripts that look at trees independently of juicectl's own code (`os.lstat`, `os.listxattr`), build the
/// hard-link test tree, and write into a tree while a checkpoint or restore runs.
enum TreeWalker {
    /// `python3`, which setup and CI have (setup.sh makes its venv with it).
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Prints one line per entry under ROOT (ROOT itself as `.`), sorted by path bytes: path (hex), type, mode, uid,
    /// gid, size, mtime in ns, rdev, symlink target (hex), sorted user xattrs, and a link-group number counted from
    /// the order in which each (st_dev, st_ino) of a non-directory is first seen. Names given after ROOT are left out.
    static let walker = #"""
        import os, stat, sys
        root = os.fsencode(sys.argv[1])
        skip = {os.fsencode(name) for name in sys.argv[2:]}
        entries = []
        def visit(relative):
            path = os.path.join(root, relative) if relative else root
            info = os.lstat(path)
            entries.append((relative or b".", path, info))
            if stat.S_ISDIR(info.st_mode):
                for name in sorted(os.listdir(path)):
                    child = os.path.join(relative, name) if relative else name
                    if child not in skip:
                        visit(child)
        visit(b"")
        groups = {}
        for relative, path, info in sorted(entries, key=lambda entry: entry[0].split(b"/")):
            kind = stat.S_IFMT(info.st_mode)
            group = "-"
            if kind != stat.S_IFDIR:
                group = groups.setdefault((info.st_dev, info.st_ino), len(groups))
            target = os.readlink(path).hex() if kind == stat.S_IFLNK else "-"
            xattrs = "-"
            if kind in (stat.S_IFREG, stat.S_IFDIR):
                names = sorted(os.listxattr(path, follow_symlinks=False))
                xattrs = ",".join(f"{name}={os.getxattr(path, name, follow_symlinks=False).hex()}" for name in names) or "-"
            rdev = info.st_rdev if kind in (stat.S_IFCHR, stat.S_IFBLK) else 0
            print(relative.hex(), kind, oct(stat.S_IMODE(info.st_mode)), info.st_uid, info.st_gid,
                  info.st_size if kind != stat.S_IFDIR else "-", info.st_mtime_ns, rdev, target, xattrs, group, sep="\t")
        """#

    /// Builds the test tree in ROOT (`active/fs`) with one name outside it at OUTSIDE: hard links in one directory,
    /// across directories, a group of three, a name that is not UTF-8 and one linked to OUTSIDE only; FIFOs, character
    /// and block devices, symbolic links (one dangling), a sparse file, setuid and sticky modes, other owners,
    /// nanosecond mtimes, user xattrs on files and directories. Directory times are set last.
    static let builder = #"""
        import os, stat, sys
        root, outside = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2])
        def p(*names): return os.path.join(root, *[os.fsencode(n) if isinstance(n, str) else n for n in names])
        for d in ["same", "x", "y", "three", "special", "sticky", "deep/er/still"]:
            os.makedirs(p(d), exist_ok=True)
        def write(path, data, mode=0o644, owner=(0, 0), ns=None):
            with open(path, "wb") as f: f.write(data)
            os.chown(path, *owner); os.chmod(path, mode)
        write(p("same", "a"), b"same dir\n", 0o640, (1234, 5678))
        os.link(p("same", "a"), p("same", "b"))
        write(p("x", "one"), b"across\n", 0o4755)
        os.link(p("x", "one"), p("y", "two"))
        write(p("three", "1"), b"three names\n", 0o600, (4321, 8765))
        os.link(p("three", "1"), p("three", "2"))
        os.link(p("three", "1"), p("deep/er/still", "3"))
        write(p("x", b"odd \xff\xfe name"), b"not utf-8\n")
        os.link(p("x", b"odd \xff\xfe name"), p("y", b"other \xfe"))
        write(p("outlinked"), b"linked outside\n")
        os.link(p("outlinked"), outside)
        write(p("single"), b"alone\n", 0o2755, (99, 98))
        os.mkfifo(p("special", "fifo"), 0o620)
        os.mknod(p("special", "null-like"), 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        os.mknod(p("special", "block"), 0o640 | stat.S_IFBLK, os.makedev(7, 200))
        os.chown(p("special", "fifo"), 55, 66)
        os.symlink(b"../x/one", p("special", "to-one"))
        os.symlink(b"/nonexistent/dangling \xff", p("special", "dangling"))
        os.lchown(p("special", "dangling"), 77, 88)
        with open(p("sparse"), "wb") as f:
            f.truncate(3 << 30)
            f.seek(1 << 30); f.write(b"!")
        os.chmod(p("sticky"), 0o1777)
        write(p("sticky", "file"), b"in sticky\n", 0o666, (1000, 1000))
        os.setxattr(p("same", "a"), "user.note", b"on a linked file")
        os.setxattr(p("single"), "user.bin", bytes(range(256)))
        os.setxattr(p("sticky"), "user.dir", b"on a directory")
        os.setxattr(p("deep"), "user.deep", b"\x00 nul and space")
        # Nanosecond mtimes on files (a linked inode once), then every directory from the bottom up.
        for i, name in enumerate(["same/a", "x/one", "three/1", "single", "sparse", "sticky/file", "outlinked"]):
            os.utime(p(name), ns=(1_600_000_000_000_000_000 + i, 1_650_000_000_123_456_789 + 1_000 * i))
        os.utime(p("special", "fifo"), ns=(1, 1_500_000_000_000_000_007))
        os.utime(p("special", "dangling"), ns=(1, 1_500_000_000_000_000_009), follow_symlinks=False)
        for index, (directory, _, _) in enumerate(sorted(os.walk(root), key=lambda w: -len(w[0]))):
            os.utime(directory, ns=(1_400_000_000_000_000_000 + index, 1_450_000_000_000_000_000 + 7 * index + 3))
        """#

    /// Appends a line to PATH every few milliseconds until it is killed.
    static let writer = #"""
        import os, sys, time
        with open(sys.argv[1], "ab", buffering=0) as f:
            n = 0
            while True:
                f.write(b"line %d\n" % n); n += 1
                if n % 50 == 0: os.fsync(f.fileno())
                time.sleep(0.002)
        """#

    /// The walker's lines for the tree at `root`, without `excluded` names (relative paths).
    static func walk(_ root: String, excluding excluded: [String] = [], scriptDirectory: String) async throws -> [String] {
        let python = try #require(python, "python3 is missing (Debian: apt-get install python3)")
        let script = "\(scriptDirectory)/walker.py"
        if !FileManager.default.fileExists(atPath: script) { try walker.write(toFile: script, atomically: true, encoding: .utf8) }
        let result = try await Shell.run(python, [script, root] + excluded)
        try #require(result.exitCode == 0, "walker failed: \(result.transcript)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    /// Runs a script given as text with `arguments`.
    static func run(_ text: String, named name: String, in directory: String, _ arguments: [String]) async throws -> CommandResult {
        let python = try #require(python, "python3 is missing (Debian: apt-get install python3)")
        let script = "\(directory)/\(name)"
        try text.write(toFile: script, atomically: true, encoding: .utf8)
        return try await Shell.run(python, [script] + arguments)
    }

    /// Lines of `actual` that differ from `expected`, for a failure message.
    static func difference(_ expected: [String], _ actual: [String]) -> String {
        let missing = expected.filter { !actual.contains($0) }.prefix(10)
        let extra = actual.filter { !expected.contains($0) }.prefix(10)
        return "missing:\n" + missing.joined(separator: "\n") + "\nunexpected:\n" + extra.joined(separator: "\n")
    }
}

/// A process the test started in the background (by pid), ended by the test.
struct BackgroundProcess {
    let pid: Int32

    /// Starts `executable arguments...` detached from the test's runner, with output discarded.
    static func start(_ executable: String, _ arguments: [String]) async throws -> BackgroundProcess {
        let quoted = ([executable] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let result = try await Shell.sh("\(quoted) </dev/null >/dev/null 2>&1 & echo $!")
        let pid = try #require(Int32(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "no pid: \(result.transcript)")
        return BackgroundProcess(pid: pid)
    }

    /// Whether it still runs (and is not a zombie).
    var isRunning: Bool {
        guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Kills it and waits until it is gone (at most 5 s).
    func stop() async {
        _ = kill(pid, SIGKILL)
        for _ in 0..<100 where isRunning { try? await Task.sleep(for: .milliseconds(50)) }
    }
}
