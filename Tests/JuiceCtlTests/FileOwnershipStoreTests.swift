import Foundation
import JuiceCtl
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

/// The file store of the ownership record, the memory of what an instance owns and the instance id, through the
/// host seam (a fake host, and the live host in a temporary directory).
@Suite("Ownership record in a file, the instance's memory and its id")
struct FileOwnershipStoreTests {
    static let path = "/mnt/shared/demo/juicectl-owner.json"
    static let record = OwnershipFixture.record("a", generation: 2)

    @Test func aMissingFileIsNoRecordAndAWrittenOneReadsBack() async throws {
        let host = FakeHost()
        let store = FileOwnershipStore(path: Self.path, host: host)
        #expect(try await store.read() == nil)
        try await store.write(Self.record)
        #expect(try await store.read() == Self.record)
        #expect(host.update { $0.fileModes[Self.path] } == 0o600)
        #expect(store.location == Self.path)
    }

    @Test(
        "a file that cannot be read is an error, never no record",
        arguments: [
            (PathStatus.failed(errno: EACCES, message: "Permission denied"), "Permission denied (errno 13)"),
            (PathStatus.timedOut, "the filesystem did not answer within 10 s"),
            (PathStatus.found(inode: 9, isDirectory: false), "the file exists but cannot be read"),
        ])
    func unreadableFiles(_ status: PathStatus, _ text: String) async {
        let host = FakeHost()
        host.setStat(Self.path, status)
        await #expect {
            _ = try await FileOwnershipStore(path: Self.path, host: host).read()
        } throws: { error in
            "\(error)".hasPrefix("reading the ownership record at \(Self.path) failed") && "\(error)".contains(text)
        }
    }

    @Test func aMissingReplicaDirectoryIsMadeButNotItsParents() async throws {
        let host = FakeHost()
        host.update { $0.replaceFileResults[Self.path] = ENOENT }
        host.setDirectory("/mnt/shared", inode: 5)
        host.setMkdirResult("/mnt/shared/demo", errno: 0)
        let store = FileOwnershipStore(path: Self.path, host: host)
        await #expect(throws: OwnershipStoreError.self) { try await store.write(Self.record) }
        #expect(host.update { $0.calls }.filter { $0.hasPrefix("mkdir") } == ["mkdir /mnt/shared/demo"])

        let missingParent = FakeHost()
        missingParent.update { $0.replaceFileResults[Self.path] = ENOENT }
        await #expect {
            try await FileOwnershipStore(path: Self.path, host: missingParent).write(Self.record)
        } throws: { error in
            "\(error)".contains("cannot create the directory /mnt/shared/demo")
        }
    }

    @Test func aWriteThatMissesItsDeadlineIsATimeout() async {
        let host = FakeHost()
        host.update { $0.replaceFileResults[Self.path] = ETIMEDOUT }
        await #expect {
            try await FileOwnershipStore(path: Self.path, host: host).write(Self.record, deadline: .seconds(1))
        } throws: { error in
            guard let error = error as? OwnershipStoreError, case .timedOut(.seconds(1)) = error.problem else { return false }
            return error.operation == .write
        }
    }

    // MARK: The live host's atomic replace

    @Test func theLiveHostReplacesAFileAtomicallyWithItsModeAndLeavesNoTemporaryFile() async throws {
        try await withTemporaryDirectory { (directory: String) async throws in
            let path = "\(directory)/juicectl-owner.json"
            let host = LiveHost()
            #expect(await host.replaceFile(path, with: Data("one".utf8), mode: 0o600, deadline: .seconds(5)) == 0)
            #expect(await host.replaceFile(path, with: Data("two".utf8), mode: 0o600, deadline: .seconds(5)) == 0)
            #expect(FileManager.default.contents(atPath: path) == Data("two".utf8))
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["juicectl-owner.json"])
            #expect(await host.replaceFile("\(directory)/missing/x", with: Data(), mode: 0o600, deadline: .seconds(5)) == ENOENT)
        }
    }

    @Test func theLiveHostDoesNotRenameIntoPlaceAfterTheDeadline() async throws {
        try await withTemporaryDirectory { (directory: String) async throws in
            let path = "\(directory)/juicectl-owner.json"
            #expect(await LiveHost().replaceFile(path, with: Data(count: 1 << 20), mode: 0o600, deadline: .nanoseconds(1)) == ETIMEDOUT)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }

    @Test func concurrentReplacesOfOneFileEachLandWhole() async throws {
        try await withTemporaryDirectory { (directory: String) async throws in
            let path = "\(directory)/juicectl-owner.json"
            let bodies = (0..<8).map { index in Data(repeating: UInt8(65 + index), count: 64 << 10) }
            await withTaskGroup(of: Int32.self) { group in
                for body in bodies {
                    group.addTask { await LiveHost().replaceFile(path, with: body, mode: 0o600, deadline: .seconds(10)) }
                }
                for await code in group { #expect(code == 0) }
            }
            #expect(bodies.contains(try #require(FileManager.default.contents(atPath: path))))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["juicectl-owner.json"])
        }
    }

    // MARK: Memory and identity

    @Test func theMemoryIsAPrivateFileInTheStateDirectory() throws {
        let host = FakeHost()
        let memory = LocalOwnershipMemory(path: "/srv/demo/.juicectl/ownership.json", host: host)
        #expect(try memory.recall() == nil)
        let remembered = RememberedOwnership(Self.record, location: Self.path)
        try memory.remember(remembered)
        #expect(try memory.recall() == remembered)
        #expect(host.update { $0.fileModes["/srv/demo/.juicectl/ownership.json"] } == 0o600)
        #expect(host.update { $0.createdLocalDirectories } == ["/srv/demo/.juicectl"])
        host.setFile("/srv/demo/.juicectl/ownership.json", text: "garbage")
        #expect(throws: OwnershipError.self) { try memory.recall() }
    }

    @Test func theInstanceIdIsMadeOnceAndKeptAndTwoRacingProcessesGetTheSameOne() async throws {
        try await withTemporaryDirectory { (directory: String) async throws in
            let file = "\(directory)/state/instance-id"
            let ids = await withTaskGroup(of: String?.self) { group in
                for _ in 0..<6 { group.addTask { try? await OwnershipIdentity.instance(file: file, host: LiveHost()) } }
                return await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(Set(ids).count == 1 && ids.allSatisfy { $0 != nil })
            #expect(try await OwnershipIdentity.instance(file: file, host: LiveHost()) == ids.first!)
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(directory)/state") == ["instance-id"])
            try "not an id!\n".write(toFile: file, atomically: true, encoding: .utf8)
            await #expect {
                _ = try await OwnershipIdentity.instance(file: file, host: LiveHost())
            } throws: { error in
                "\(error)".contains("does not hold an instance id") && "\(error)".contains("juicectl takeover")
            }
        }
    }

    @Test func theIdentityOfThisProcessNamesTheMachineTheBootAndThisPid() async throws {
        try await withTemporaryDirectory { (directory: String) async throws in
            let spec = try TestSpec.make(baseDir: directory)
            let identity = try await OwnershipIdentity.current(for: spec, host: LiveHost())
            #expect(identity.pid == getpid())
            #expect(!identity.host.isEmpty && identity.bootId.count == 36)
            let stored = try String(contentsOfFile: spec.instanceIdFile, encoding: .utf8)
            #expect(identity.instance == stored.trimmingCharacters(in: .newlines))
        }
    }

    @Test func theProtocolOfAVolumeIsMadeFromItsSpec() async throws {
        try await withTemporaryDirectory { (directory: String) async throws in
            let local = try TestSpec.make(baseDir: directory)
            let tools = Tools(juicefs: "/bin/true", umount: "/bin/true")
            #expect(try await OwnershipClaim.forVolume(local, runner: FakeCommandRunner(), tools: tools, host: LiveHost()) == nil)
            let s3 = try TestSpec.make(
                baseDir: directory,
                """
                storage:
                  type: s3
                  bucket: http://127.0.0.1:9000/objects
                backup:
                  enabled: false
                """)
            await #expect(throws: OwnershipError.noLocation(volume: "fixvol")) {
                _ = try await OwnershipClaim.forVolume(s3, runner: FakeCommandRunner(), tools: tools, host: LiveHost())
            }
            let shared = try TestSpec.make(
                baseDir: directory,
                """
                storage:
                  type: s3
                  bucket: http://127.0.0.1:9000/objects
                backup:
                  replica:
                    path: \(directory)/shared-replica
                """)
            let made = try await OwnershipClaim.forVolume(shared, runner: FakeCommandRunner(), tools: tools, host: LiveHost())
            let claim = try #require(made)
            #expect(claim.store.location == "\(directory)/shared-replica/juicectl-owner.json" && claim.volume == "fixvol")
        }
    }
}
