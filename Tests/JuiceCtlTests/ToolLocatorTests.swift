import Foundation
import Testing

@testable import JuiceCtl

@Suite("ToolLocator")
struct ToolLocatorTests {
    /// Writes an executable (or not) file `name` into `directory`.
    @discardableResult
    static func makeProgram(_ name: String, in directory: String, executable: Bool = true) throws -> String {
        let path = "\(directory)/\(name)"
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: executable ? 0o755 : 0o644], ofItemAtPath: path)
        return path
    }

    @Test func usesAnExplicitPathFirst() async throws {
        try await withTemporaryDirectory { directory in
            let explicit = try Self.makeProgram("juicefs-explicit", in: directory)
            let named = try Self.makeProgram("juicefs-named", in: directory)
            try Self.makeProgram("juicefs", in: directory)
            let found = try ToolLocator.locate(
                "juicefs", explicit: explicit, variable: ToolLocator.juicefsVariable,
                environment: [ToolLocator.juicefsVariable: named, "PATH": directory])
            #expect(found == explicit)
        }
    }

    @Test func rejectsAnExplicitPathThatIsNotExecutable() async throws {
        try await withTemporaryDirectory { directory in
            let plain = try Self.makeProgram("juicefs", in: directory, executable: false)
            let error = #expect(throws: ToolNotFoundError.self) {
                try ToolLocator.locate("juicefs", explicit: plain, variable: ToolLocator.juicefsVariable, environment: ["PATH": directory])
            }
            #expect(error?.searched == "\(plain) is not an executable file")
        }
    }

    @Test func rejectsADirectoryAsExplicitPath() async throws {
        try await withTemporaryDirectory { directory in
            #expect(throws: ToolNotFoundError.self) {
                try ToolLocator.locate("juicefs", explicit: directory, environment: ["PATH": ""])
            }
        }
    }

    @Test func usesTheEnvironmentVariableBeforePATH() async throws {
        try await withTemporaryDirectory { directory in
            let named = try Self.makeProgram("my-juicefs", in: directory)
            try Self.makeProgram("juicefs", in: directory)
            let found = try ToolLocator.locate(
                "juicefs", variable: ToolLocator.juicefsVariable,
                environment: [ToolLocator.juicefsVariable: named, "PATH": directory])
            #expect(found == named)
        }
    }

    @Test func aVariableNamingNoProgramIsAnErrorThatNamesIt() async throws {
        try await withTemporaryDirectory { directory in
            try Self.makeProgram("juicefs", in: directory)
            let error = #expect(throws: ToolNotFoundError.self) {
                try ToolLocator.locate(
                    "juicefs", variable: ToolLocator.juicefsVariable,
                    environment: [ToolLocator.juicefsVariable: "\(directory)/nope", "PATH": directory])
            }
            #expect(error?.description.contains("JUICECTL_JUICEFS=\(directory)/nope is not an executable file") == true)
        }
    }

    @Test func anEmptyVariableIsIgnored() async throws {
        try await withTemporaryDirectory { directory in
            let onPath = try Self.makeProgram("juicefs", in: directory)
            let found = try ToolLocator.locate(
                "juicefs", variable: ToolLocator.juicefsVariable,
                environment: [ToolLocator.juicefsVariable: "", "PATH": directory])
            #expect(found == onPath)
        }
    }

    @Test func searchesPATHInOrderSkippingNonExecutables() async throws {
        try await withTemporaryDirectory { directory in
            let first = "\(directory)/first"
            let second = "\(directory)/second"
            let third = "\(directory)/third"
            for folder in [first, second, third] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            }
            try Self.makeProgram("juicefs", in: first, executable: false)
            let expected = try Self.makeProgram("juicefs", in: second)
            try Self.makeProgram("juicefs", in: third)
            let found = try ToolLocator.locate("juicefs", environment: ["PATH": "\(directory)/missing::\(first):\(second):\(third)"])
            #expect(found == expected)
        }
    }

    @Test func usesAFallbackWhenPATHHasNothing() async throws {
        try await withTemporaryDirectory { directory in
            let fallback = try Self.makeProgram("umount", in: directory)
            let found = try ToolLocator.locate(
                "umount", environment: ["PATH": "\(directory)/empty"], fallbacks: ["\(directory)/nope", fallback])
            #expect(found == fallback)
        }
    }

    @Test func aMissingJuiceFSIsAnErrorThatNamesMakeSetupAndTheVariable() async throws {
        try await withTemporaryDirectory { directory in
            let error = #expect(throws: ToolNotFoundError.self) {
                try ToolLocator.locate("juicefs", variable: ToolLocator.juicefsVariable, environment: ["PATH": directory])
            }
            let text = error?.description ?? ""
            #expect(text.hasPrefix("juicefs not found (not on PATH and JUICECTL_JUICEFS is not set)."))
            #expect(text.contains("make setup"))
            #expect(text.contains(".tools/venv/bin"))
            #expect(text.contains("set JUICECTL_JUICEFS to the binary"))
        }
    }

    @Test func locateAllFailsOnAMissingJuiceFSBeforeLookingForUmount() async throws {
        try await withTemporaryDirectory { directory in
            let error = #expect(throws: ToolNotFoundError.self) {
                try ToolLocator.locateAll(environment: ["PATH": directory])
            }
            #expect(error?.program == "juicefs")
            #expect(error?.variable == "JUICECTL_JUICEFS")
        }
    }

    @Test func aMissingUmountPointsAtUtilLinux() {
        let error = ToolNotFoundError(program: "umount", searched: "not on PATH", variable: nil)
        #expect(error.description == "umount not found (not on PATH). Install it (Debian: apt-get install util-linux).")
    }
}
