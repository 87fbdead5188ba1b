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
            // On the real disk: the error is the one LiveHost's directory creation throws.
            let stateDir = "\(base)/.juicectl"
            try Data().write(to: URL(fileURLWithPath: stateDir))
            let error = try #require(throws: (any Error).self) {
                try StateStore(stateDir: stateDir, host: LiveHost()).save(VolumeState())
            }

            let text = Executor.describe(error)

            #expect(!text.contains("Error Domain="), "\(text)")
            #expect(!text.contains("UserInfo="), "\(text)")
        }
    }
}
