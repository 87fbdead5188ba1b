import JuiceCtlCore
import Testing

@testable import JuiceCtl

/// The pure parts of the tree-usage scan, fed with texts as the kernel writes them.
@Suite("Tree usage: parsing and path arithmetic")
struct TreeUsageParsingTests {
    static let volume = "0:41"
    static let query = TreeUsageQuery(
        volumeDevice: volume, trees: ["/active", "/checkpoints/x"],
        devices: ["0:60": "/active", "7:0": "/active"],
        ownMounts: [.init(device: "0:60", mountPoint: "/run/ctr/rootfs")])
    static let matcher = TreeUsageMatcher(query)

    static func entry(_ line: String) throws -> MountInfoEntry {
        try #require(MountInfoParser.parseLine(Substring(line)), "unparseable: \(line)")
    }

    static func path(_ text: String) -> ProcLinkText {
        ProcLinkText.parse(text)!
    }

    // MARK: Link texts, fdinfo, ns, stat

    @Test(arguments: ["socket:[41523]", "pipe:[99]", "anon_inode:[eventfd]", "anon_inode:inotify", "net:[4026531840]", ""])
    func linkTextsThatAreNoPathAreDropped(text: String) {
        #expect(ProcLinkText.parse(text) == nil)
    }

    @Test func aPathLinkTextIsKeptAsWritten() {
        #expect(ProcLinkText.parse("/mnt/vol/active/fs/a b.txt") == .path("/mnt/vol/active/fs/a b.txt", deleted: false))
    }

    @Test func theDeletedSuffixIsTakenOffAndRemembered() {
        let text = ProcLinkText.parse("/mnt/vol/active/fs/log.txt (deleted)")
        #expect(text == .path("/mnt/vol/active/fs/log.txt", deleted: true))
        #expect(text?.isDeleted == true)
    }

    @Test func fdinfoGivesTheMountID() {
        #expect(ProcText.mountID(fromFDInfo: "pos:\t2181\nflags:\t0100001\nmnt_id:\t27\nino:\t16236562\n") == 27)
        #expect(ProcText.mountID(fromFDInfo: "pos:\t0\nflags:\t012000000\nmnt_id:\t70\n") == 70)
    }

    @Test func fdinfoWithoutMountIDGivesNone() {
        #expect(ProcText.mountID(fromFDInfo: "pos:\t0\nflags:\t02\n") == nil)
        #expect(ProcText.mountID(fromFDInfo: "") == nil)
    }

    @Test func theMountNamespaceLinkGivesItsInode() {
        #expect(ProcText.namespaceInode(fromLink: "mnt:[4026531832]") == 4_026_531_832)
        #expect(ProcText.namespaceInode(fromLink: "net:[4026531840]") == nil)
        #expect(ProcText.namespaceInode(fromLink: "mnt:[x]") == nil)
    }

    @Test func startTimeIsField22CountedAfterTheCommandName() {
        let stat =
            "21867 (cat) R 21863 21863 8864 0 -1 4194304 103 0 0 0 0 0 0 0 20 0 1 0 151353 3133440 384 "
            + "18446744073709551615 93827307847680 0 0 0\n"
        #expect(ProcText.startTime(fromStat: stat) == 151353)
        let odd = "77 (a) b (c)) S 1 77 77 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 9876543 0 0"
        #expect(ProcText.startTime(fromStat: odd) == 9_876_543)
        #expect(ProcText.startTime(fromStat: "77 (short) S 1 2") == nil)
    }

    @Test func mapsGiveTheMapFilesNamesOfTheFileMappingsOnTheDevicesThatCount() {
        let maps = """
            00400000-00452000 r-xp 00000000 00:29 1234                               /mnt/vol/active/fs/bin/app
            7f2a1c000000-7f2a1c021000 r--p 00000000 fe:00 254163                     /usr/lib/x86_64-linux-gnu/libc.so.6
            7f2a1c021000-7f2a1c042000 rw-p 00000000 00:00 0
            7ffd6b1e0000-7ffd6b201000 rw-p 00000000 00:00 0                          [stack]
            7f2a1d000000-7f2a1d001000 r--s 00000000 103:1a 99                        /srv/a b (deleted)
            """
        let everyDevice: Set<DeviceNumber> = [
            .init(major: 0, minor: 41), .init(major: 254, minor: 0), .init(major: 259, minor: 26),
            .init(major: 0, minor: 0),
        ]
        #expect(
            ProcText.mappedFiles(fromMaps: Array(maps.utf8), on: everyDevice)
                == ["400000-452000", "7f2a1c000000-7f2a1c021000", "7f2a1d000000-7f2a1d001000"])
        #expect(ProcText.mappedFiles(fromMaps: Array(maps.utf8), on: [DeviceNumber("0:41")!]) == ["400000-452000"])
        #expect(ProcText.mappedFiles(fromMaps: Array(maps.utf8), on: []).isEmpty)
        #expect(ProcText.mappedFiles(fromMaps: Array("garbage\n\n00400000-00452000 r-xp".utf8), on: everyDevice).isEmpty)
    }

    @Test func mountinfoRootIsReadWithEscapesDecoded() throws {
        let entry = try Self.entry(#"71 27 0:41 /checkpoints/z\040w /tmp/a\040b rw,relatime - fuse.juicefs JuiceFS:v rw"#)
        #expect(entry.root == "/checkpoints/z w")
        #expect(entry.mountPoint == "/tmp/a b")
    }

    // MARK: Path arithmetic

    @Test func pathArithmeticMindsSlashesAndWholeComponents() {
        #expect(TreeUsagePaths.filesystemPath(of: "/srv/work/a", mountPoint: "/srv/work", mountRoot: "/active/fs") == "/active/fs/a")
        #expect(TreeUsagePaths.filesystemPath(of: "/srv/work", mountPoint: "/srv/work", mountRoot: "/active/fs") == "/active/fs")
        #expect(TreeUsagePaths.filesystemPath(of: "/a/b", mountPoint: "/", mountRoot: "/") == "/a/b")
        #expect(TreeUsagePaths.filesystemPath(of: "/", mountPoint: "/", mountRoot: "/active/fs/rootfs") == "/active/fs/rootfs")
        #expect(TreeUsagePaths.filesystemPath(of: "/srv/workshop/a", mountPoint: "/srv/work", mountRoot: "/") == nil)
        #expect(!TreeUsagePaths.isAtOrBelow("/activex", "/active"))
        #expect(TreeUsagePaths.isAtOrBelow("/active", "/active"))
        #expect(TreeUsagePaths.normalizedTree("checkpoints/x/") == "/checkpoints/x")
        #expect(TreeUsagePaths.liveRoot("/del//deleted") == "/del")
    }

    // MARK: Process references

    @Test func aReferenceThroughABindMountOfADirectoryInsideATreeCountsWithItsPath() throws {
        let bind = try Self.entry("70 48 0:41 /active/fs /srv/work rw,relatime - fuse.juicefs JuiceFS:v rw")
        #expect(
            Self.matcher.hits(link: Self.path("/srv/work/src/a.txt"), through: bind)
                == [TreeHit(tree: "/active", volumePath: "/active/fs/src/a.txt")])
    }

    @Test func aBindMountOfADirectoryInsideATreeCountsEvenWhenTheTextsDoNotLineUp() throws {
        let bind = try Self.entry("70 48 0:41 /active/fs /srv/work rw,relatime - fuse.juicefs JuiceFS:v rw")
        #expect(Self.matcher.hits(link: Self.path("/elsewhere/a.txt"), through: bind) == [TreeHit(tree: "/active", volumePath: nil)])
    }

    @Test func throughTheWholeVolumeAPathInsideATreeCountsForThatTreeOnly() throws {
        let whole = try Self.entry("45 27 0:41 / /mnt/vol rw,relatime - fuse.juicefs JuiceFS:v rw")
        #expect(
            Self.matcher.hits(link: Self.path("/mnt/vol/active/fs/x"), through: whole)
                == [TreeHit(tree: "/active", volumePath: "/active/fs/x")])
        #expect(
            Self.matcher.hits(link: Self.path("/mnt/vol/checkpoints/x/fs/y"), through: whole)
                == [TreeHit(tree: "/checkpoints/x", volumePath: "/checkpoints/x/fs/y")])
    }

    @Test func throughTheWholeVolumeAPathOutsideEveryTreeDoesNotCount() throws {
        let whole = try Self.entry("45 27 0:41 / /mnt/vol rw,relatime - fuse.juicefs JuiceFS:v rw")
        #expect(Self.matcher.hits(link: Self.path("/mnt/vol/checkpoints/xy/fs"), through: whole).isEmpty)
        #expect(Self.matcher.hits(link: Self.path("/mnt/vol/activex"), through: whole).isEmpty)
        #expect(Self.matcher.hits(link: Self.path("/mnt/vol"), through: whole).isEmpty)
    }

    @Test func escapedMountPointsAndRootsLineUpWithRealLinkTexts() throws {
        let bind = try Self.entry(#"71 27 0:41 /active/fs/my\040dir /srv/a\040b\011c rw - fuse.juicefs JuiceFS:v rw"#)
        #expect(
            Self.matcher.hits(link: Self.path("/srv/a b\tc/f"), through: bind)
                == [TreeHit(tree: "/active", volumePath: "/active/fs/my dir/f")])
    }

    @Test func aRemovedFileCountsWithItsPathAndIsNamedAsRemoved() throws {
        let whole = try Self.entry("45 27 0:41 / /mnt/vol rw,relatime - fuse.juicefs JuiceFS:v rw")
        let text = Self.path("/mnt/vol/active/fs/gone.log (deleted)")
        let hits = Self.matcher.hits(link: text, through: whole)
        #expect(hits == [TreeHit(tree: "/active", volumePath: "/active/fs/gone.log")])
        var use = ProcessTreeUse(pid: 7, command: "tail -f gone.log")
        for hit in hits { use.add(.descriptor, text: text, hit: hit) }
        #expect(
            use.users.first?.holder
                == .process(pid: 7, command: "tail -f gone.log", references: [.openFile("/active/fs/gone.log (deleted)")]))
    }

    @Test func aBindMountWhoseDirectoryWasRemovedIsStillInsideItsTree() throws {
        let bind = try Self.entry("72 27 0:41 /active/fs/old//deleted /srv/old rw - fuse.juicefs JuiceFS:v rw")
        #expect(
            Self.matcher.hits(link: Self.path("/srv/old/f"), through: bind)
                == [TreeHit(tree: "/active", volumePath: "/active/fs/old/f")])
    }

    @Test func aNamespaceWhoseTextsDoNotLineUpCountsForEveryTreeWithNoPath() throws {
        // The table says the volume is at /mnt/vol, the link text (another view) does not start there.
        let whole = try Self.entry("45 27 0:41 / /mnt/vol rw,relatime - fuse.juicefs JuiceFS:v rw")
        #expect(
            Self.matcher.hits(link: Self.path("/data/active/fs/x"), through: whole)
                == [TreeHit(tree: "/active", volumePath: nil), TreeHit(tree: "/checkpoints/x", volumePath: nil)])
        let checkpoints = try Self.entry("46 27 0:41 /checkpoints /srv/cps rw,relatime - fuse.juicefs JuiceFS:v rw")
        #expect(
            Self.matcher.hits(link: Self.path("/somewhere"), through: checkpoints)
                == [TreeHit(tree: "/checkpoints/x", volumePath: nil)])
        #expect(Self.matcher.hits(link: .tooLong, through: whole).map(\.volumePath) == [nil, nil])
    }

    @Test func aReferenceOnADeviceOfTheQueryCountsForItsTree() throws {
        let overlay = try Self.entry("90 27 0:60 / /run/ctr/rootfs rw - overlay overlay rw")
        #expect(
            Self.matcher.hits(link: Self.path("/run/ctr/rootfs/etc/hosts"), through: overlay)
                == [TreeHit(tree: "/active", volumePath: nil)])
    }

    @Test func aReferenceOnAnotherDeviceDoesNotCount() throws {
        let other = try Self.entry("27 1 254:0 / / rw,relatime - ext4 /dev/vda rw")
        #expect(Self.matcher.hits(link: Self.path("/active/fs/x"), through: other).isEmpty)
    }

    @Test func aChrootedProcessesTableIsReadFromItsRoot() throws {
        // The process's own table names its root mount `/`; juicectl reads its root as /containers/c1.
        let own = try Self.entry("98 73 0:41 /active/fs/rootfs / rw,relatime - fuse.juicefs JuiceFS:v rw")
        let view = MountView([own], root: "/containers/c1", matcher: Self.matcher)
        let entry = try #require(view.entry(98))
        #expect(entry.mountPoint == "/containers/c1")
        #expect(
            Self.matcher.hits(link: Self.path("/containers/c1/app/x"), through: entry)
                == [TreeHit(tree: "/active", volumePath: "/active/fs/rootfs/app/x")])
    }

    @Test func onlyLinkTextsBelowAMountThatCountsNeedAMountIDLookup() throws {
        let entries = try [
            Self.entry("27 1 254:0 / / rw,relatime - ext4 /dev/vda rw"),
            Self.entry("45 27 0:41 / /mnt/vol rw,relatime - fuse.juicefs JuiceFS:v rw"),
            Self.entry("90 27 0:60 / /run/ctr/rootfs rw - overlay overlay rw"),
        ]
        let view = MountView(entries, matcher: Self.matcher)
        #expect(view.relevantMountPoints == ["/mnt/vol", "/run/ctr/rootfs"])
        #expect(view.mayReach(Self.path("/mnt/vol/active/fs/a")))
        #expect(view.mayReach(Self.path("/run/ctr/rootfs/bin/sh (deleted)")))
        #expect(!view.mayReach(Self.path("/usr/lib/libc.so.6")))
        #expect(!view.mayReach(Self.path("/mnt/volume2/a")))
        #expect(view.mayReach(.tooLong))
        let unrelated = MountView([entries[0]], matcher: Self.matcher)
        #expect(unrelated.reachesNothing)
    }

    // MARK: One user per process and tree

    @Test func aProcessIsOneUserPerTreeWithItsReferencesDeduplicatedAndCapped() {
        var use = ProcessTreeUse(pid: 42, command: "python3 app.py")
        use.add(.workingDirectory, text: Self.path("/mnt/vol/active/fs"), hit: TreeHit(tree: "/active", volumePath: "/active/fs"))
        for index in 0..<20 {
            let hit = TreeHit(tree: "/active", volumePath: "/active/fs/f\(index)")
            use.add(.descriptor, text: Self.path("/mnt/vol/active/fs/f\(index)"), hit: hit)
            use.add(.descriptor, text: Self.path("/mnt/vol/active/fs/f\(index)"), hit: hit)
        }
        use.add(.memoryMap, text: Self.path("/mnt/vol/checkpoints/x/lib.so"), hit: TreeHit(tree: "/checkpoints/x", volumePath: nil))
        let users = use.users
        #expect(users.map(\.tree) == ["/active", "/checkpoints/x"])
        #expect(users[0].volumePath == "/active/fs")
        guard case .process(42, "python3 app.py", let references) = users[0].holder else {
            Issue.record("not a process: \(users[0].holder)")
            return
        }
        #expect(references.count == ProcessTreeUse.referenceLimit)
        #expect(references.prefix(3) == [.workingDirectory, .openFile("/active/fs/f0"), .openFile("/active/fs/f1")])
        #expect(users[1].holder == .process(pid: 42, command: "python3 app.py", references: [.memoryMap("/mnt/vol/checkpoints/x/lib.so")]))
        #expect(users[1].volumePath == nil)
    }

    // MARK: Mounts

    static let hostTable = """
        27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
        45 27 0:41 / /mnt/vol rw,relatime - fuse.juicefs JuiceFS:v rw
        46 45 7:0 / /mnt/vol/root-upper rw,relatime - ext4 /dev/loop0 rw
        47 27 0:60 / /run/ctr/rootfs rw,relatime - overlay overlay rw
        48 27 0:41 /active/fs /srv/work rw,relatime - fuse.juicefs JuiceFS:v rw
        49 27 0:41 /checkpoints/y /srv/old rw,relatime - fuse.juicefs JuiceFS:v rw
        50 27 0:41 /checkpoints /srv/all rw,relatime - fuse.juicefs JuiceFS:v rw
        51 45 0:22 / /mnt/vol/active/fs/proc rw - proc proc rw
        52 27 0:23 / /tmp rw - tmpfs tmpfs rw
        """

    static func mountUses(_ text: String, query: TreeUsageQuery = query, ownNamespace: Bool) -> [String] {
        TreeUsageMatcher(query).mountUses(in: MountInfoParser.parse(text), ownNamespace: ownNamespace)
            .map { "\($0.entry.mountPoint) \($0.hit.tree) \($0.hit.volumePath ?? "-")" }
    }

    @Test func inJuicectlsNamespaceBindMountsOfATreeAndMountsOntoItCountButNotItsOwnMounts() {
        let own = TreeUsageQuery(
            volumeDevice: Self.volume, trees: ["/active", "/checkpoints/x"],
            devices: ["0:60": "/active", "7:0": "/active"],
            ownMounts: [
                .init(device: "0:41", mountPoint: "/mnt/vol"),
                .init(device: "7:0", mountPoint: "/mnt/vol/root-upper"),
                .init(device: "0:60", mountPoint: "/run/ctr/rootfs"),
            ])
        #expect(
            Self.mountUses(Self.hostTable, query: own, ownNamespace: true) == [
                "/srv/work /active /active/fs",
                "/mnt/vol/active/fs/proc /active /active/fs/proc",
            ])
    }

    @Test func inAnotherNamespaceCopiesOfJuicectlsOverlayAndImageCountButTheWholeVolumeDoesNot() {
        #expect(
            Self.mountUses(Self.hostTable, ownNamespace: false) == [
                "/mnt/vol/root-upper /active -",
                "/run/ctr/rootfs /active -",
                "/srv/work /active /active/fs",
                "/mnt/vol/active/fs/proc /active /active/fs/proc",
            ])
    }

    @Test func aBindMountOfARenamedTreeCountsForTheNewNameOnly() {
        let renamed = TreeUsageQuery(volumeDevice: Self.volume, trees: ["/checkpoints/x", "/checkpoints/y"])
        #expect(
            Self.mountUses("49 27 0:41 /checkpoints/y/fs /srv/old rw - fuse.juicefs JuiceFS:v rw", query: renamed, ownNamespace: false)
                == ["/srv/old /checkpoints/y /checkpoints/y/fs"])
    }

    @Test func aContainerRootOnTheTreeIsOneUseNotOnePerMountOnIt() {
        let container = """
            98 73 0:41 /active/fs/rootfs / rw,relatime - fuse.juicefs JuiceFS:v rw
            99 98 0:22 / /proc rw - proc proc rw
            100 98 0:24 / /dev rw - tmpfs tmpfs rw
            101 100 0:25 / /dev/pts rw - devpts devpts rw
            """
        #expect(Self.mountUses(container, ownNamespace: false) == ["/ /active /active/fs/rootfs"])
    }

    @Test func aMountOfAParentOfEveryTreeIsNoUse() {
        #expect(Self.mountUses("50 27 0:41 /checkpoints /srv/all rw - fuse.juicefs JuiceFS:v rw", ownNamespace: false).isEmpty)
    }
}
