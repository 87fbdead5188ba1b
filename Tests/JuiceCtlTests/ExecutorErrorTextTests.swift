import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

/// Failures of the host's files (state file, intent record) reach the operator as readable text, not as Foundation's
/// `Error Domain=... UserInfo={...}` dump.
@Suite("Executor: error text")
struct ExecutorErrorTextTests {
    @Test func aStateFileThatCannotBeWrittenReadsAsItsReason() async throws {
        try await withTemporaryDirectory { base in
            let path = "\(base)/missing-directory/state.json"
            let error = try #require(throws: (any Error).self) {
                try AtomicFile.write(Data("{}".utf8), to: path, mode: 0o600)
            }
            let text = Executor.describe(error)
            #expect(text.hasPrefix("cannot create \(path).tmp-"), "\(text)")
            #expect(text.hasSuffix(": No such file or directory"), "\(text)")
            #expect(!text.contains("Error Domain="))
        }
    }

    @Test func aStateDirectoryBlockedByAFileReadsWithoutFoundationsDump() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try Data().write(to: URL(fileURLWithPath: scenario.spec.stateDir))
            scenario.runner.on(prefix: ["juicefs", "--no-agent", "mount"]) { _ in
                do { try scenario.installLiveMount() } catch { return .failure(stderr: "\(error)") }
                return .success()
            }

            let result = await scenario.executor.execute(scenario.action(.mount), spec: scenario.spec)

            guard case .failed(let text) = result.outcome else {
                Issue.record("expected a failure, got \(result.outcome)")
                return
            }
            #expect(!text.contains("Error Domain="), "\(text)")
            #expect(!text.contains("UserInfo="), "\(text)")
        }
    }
}
