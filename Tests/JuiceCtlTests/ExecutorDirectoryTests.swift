import Foundation
import JuiceCtl
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@Suite("Executor: directories")
struct ExecutorDirectoryTests {
    @Test func createsADirectoryOnTheMountedVolume() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()

            let result = await scenario.executor.execute(scenario.action(.createDirectory, "/active"), spec: scenario.spec)

            #expect(result.outcome == .done("created /active"))
            #expect(scenario.host.createdDirectories == [scenario.mountPath + "/active"])
        }
    }

    @Test func skipsADirectoryThatAlreadyExists() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.installVolumeDirectories()

            let result = await scenario.executor.execute(scenario.action(.createDirectory, "/active/fs"), spec: scenario.spec)

            #expect(result.outcome == .skipped("/active/fs already exists"))
        }
    }

    @Test func refusesAPathThroughASymbolicLinkOnTheVolumeAndCreatesNothing() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.installVolumeDirectories()
            scenario.host.update { $0.symbolicLinks.insert(scenario.mountPath + "/active/fs") }

            let result = await scenario.executor.execute(scenario.action(.createDirectory, "/active/fs/projects"), spec: scenario.spec)

            guard case .failed(let why) = result.outcome else {
                Issue.record("\(result.outcome)")
                return
            }
            #expect(why.hasPrefix("/active/fs on the volume is a symbolic link"), "\(why)")
            #expect(scenario.host.createdDirectories.isEmpty)
            #expect(!scenario.host.calls.contains { $0.hasPrefix("mkdir") })
        }
    }

    @Test func refusesWhenAFileIsInTheWay() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.host.setStat(scenario.mountPath + "/checkpoints", .found(inode: 30, isDirectory: false))

            let result = await scenario.executor.execute(scenario.action(.createDirectory, "/checkpoints"), spec: scenario.spec)

            #expect(
                result.outcome == .failed("/checkpoints exists but is not a directory; move it away (juicectl never deletes user files)"))
        }
    }

    @Test(arguments: [
        (ETIMEDOUT, "mkdir /active did not answer within 10 s: the mount may be hung"),
        (EDQUOT, "mkdir /active failed: Disk quota exceeded"),
    ])
    func reportsAFailingMkdir(errno: Int32, message: String) async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.installLiveMount()
            scenario.host.setMkdirResult(scenario.mountPath + "/active", errno: errno)

            let result = await scenario.executor.execute(scenario.action(.createDirectory, "/active"), spec: scenario.spec)

            #expect(result.outcome == .failed(message))
        }
    }

    @Test func refusesWhenTheVolumeIsNotMounted() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)

            let result = await scenario.executor.execute(scenario.action(.createDirectory, "/active"), spec: scenario.spec)

            #expect(result.outcome == .failed("the volume is not mounted and answering at \(scenario.mountPath)"))
            #expect(!scenario.host.calls.contains { $0.hasPrefix("mkdir") })
        }
    }
}
