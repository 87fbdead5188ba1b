import JuiceCtl
import JuiceCtlTestSupport
import Testing

@Suite("MountInfoParser")
struct MountInfoParserTests {
    @Test func readsEveryFieldOfARealJuiceFSLine() throws {
        let entries = MountInfoParser.parse(try Fixture.text("host/mountinfo-fixvol.txt"))
        let entry = try #require(entries.first)
        #expect(entries.count == 1)
        #expect(entry.id == 44)
        #expect(entry.parentID == 27)
        #expect(entry.device == "0:41")
        #expect(entry.minor == 41)
        #expect(entry.mountPoint == "/tmp/jc-fixtures/mnt")
        #expect(entry.fstype == "fuse.juicefs")
        #expect(entry.source == "JuiceFS:fixvol")
        #expect(entry.mountOptions == "rw,nosuid,nodev,relatime")
        #expect(entry.superOptions == "rw,user_id=0,group_id=0,default_permissions,allow_other,max_read=131072")
    }

    @Test func decodesSpaceAndKeepsNonASCIINamesOfARealMountPoint() throws {
        let entries = MountInfoParser.parse(try Fixture.text("host/mountinfo-excerpt.txt"))
        #expect(entries.count == 4)
        #expect(entries[1].mountPoint == "/tmp/jc-fixtures/mnt space ü")
        #expect(entries[1].source == "JuiceFS:fixvol")
    }

    @Test func decodesTabSpaceAndBackslashAndSkipsARealOptionalField() throws {
        let entries = MountInfoParser.parse(try Fixture.text("host/mountinfo-excerpt.txt"))
        let entry = entries[2]
        #expect(entry.mountPoint == "/tmp/jc-fixtures/tab\there back\\slash")
        #expect(entry.mountOptions == "rw,relatime")
        #expect(entry.fstype == "tmpfs")
        #expect(entry.source == "jcfixtmpfs")
        #expect(entry.superOptions == "rw,size=1024k")
    }

    @Test func keepsStackedEntriesInFileOrderSoTheLastIsOnTop() throws {
        let entries = MountInfoParser.parse(try Fixture.text("host/mountinfo-excerpt.txt"))
        let stacked = entries.filter { $0.mountPoint == "/tmp/jc-fixtures/mnt space ü" }
        #expect(stacked.map(\.fstype) == ["fuse.juicefs", "tmpfs"])
        #expect(stacked.map(\.id) == [45, 47])
        #expect(stacked.last?.parentID == stacked.first?.id)
    }

    @Test func skipsSeveralOptionalFieldsBeforeTheSeparator() throws {
        let line = "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:7 propagate_from:2 - ext3 /dev/root rw,errors=continue"
        let entry = try #require(MountInfoParser.parseLine(Substring(line)))
        #expect(entry.mountPoint == "/mnt2")
        #expect(entry.fstype == "ext3")
        #expect(entry.source == "/dev/root")
        #expect(entry.superOptions == "rw,errors=continue")
        #expect(entry.minor == 0)
    }

    @Test func decodesNewlineEscapeAndEscapesNextToMultibyteCharacters() {
        #expect(MountInfoParser.unescape("/mnt/a\\012b") == "/mnt/a\nb")
        #expect(MountInfoParser.unescape("/mnt/ü\\040ß\\040日本") == "/mnt/ü ß 日本")
        #expect(MountInfoParser.unescape("/mnt/end\\040") == "/mnt/end ")
    }

    @Test func leavesBackslashesThatAreNoOctalEscapeAsTheyAre() {
        #expect(MountInfoParser.unescape("/mnt/a\\09x") == "/mnt/a\\09x")
        #expect(MountInfoParser.unescape("/mnt/a\\04") == "/mnt/a\\04")
        #expect(MountInfoParser.unescape("/mnt/a\\") == "/mnt/a\\")
        #expect(MountInfoParser.unescape("/mnt/a\\777") == "/mnt/a\\777")
    }

    @Test func roundTripsTheFakeHostsEscaping() throws {
        let mountPoint = "/srv/a b\tc\\d\ne ü"
        let line = FakeHost.mountInfoLine(id: 50, mountPoint: mountPoint, fstype: "fuse.juicefs", source: "JuiceFS:v")
        let entry = try #require(MountInfoParser.parseLine(Substring(line)))
        #expect(entry.mountPoint == mountPoint)
    }

    @Test(arguments: [
        "",
        "garbage",
        "44 27 0:41 / /mnt rw,relatime fuse.juicefs JuiceFS:v rw",
        "x 27 0:41 / /mnt rw,relatime - fuse.juicefs JuiceFS:v rw",
        "44 y 0:41 / /mnt rw,relatime - fuse.juicefs JuiceFS:v rw",
        "44 27 0:41 / /mnt rw,relatime - fuse.juicefs JuiceFS:v",
        "44 27 0:41 / - rw",
    ])
    func ignoresMalformedLines(_ line: String) {
        #expect(MountInfoParser.parseLine(Substring(line)) == nil)
    }

    @Test func parsesTheGoodLinesAroundMalformedOnes() throws {
        let good = try Fixture.text("host/mountinfo-fixvol.txt").trimmingSuffixNewline
        let text = "garbage\n\(good)\n44 27 0:41 / /mnt\n\n"
        #expect(MountInfoParser.parse(text).map(\.mountPoint) == ["/tmp/jc-fixtures/mnt"])
    }
}

extension String {
    var trimmingSuffixNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}
