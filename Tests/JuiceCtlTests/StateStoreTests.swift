import Foundation
import Testing

@testable import JuiceCtl

@Suite("StateStore")
struct StateStoreTests {
    static func sample() -> VolumeState {
        var state = VolumeState()
        state.mountPaths = ["/srv/a", "/srv/b c"]
        state.quotas["/active/fs"] = .init(capacity: 10 << 40, inodes: nil, setAt: Date(timeIntervalSince1970: 1_764_108_000))
        state.quotas["/x"] = .init(capacity: nil, inodes: 1000, setAt: .distantPast)
        return state
    }

    @Test func savesAndLoadsTheSameState() async throws {
        try await withTemporaryDirectory { base in
            let store = StateStore(stateDir: "\(base)/.juicectl", host: LiveHost())
            try store.save(Self.sample())
            #expect(store.load() == Self.sample())
        }
    }

    @Test func createsAPrivateDirectoryAndFileAndLeavesNoTemporaryFile() async throws {
        try await withTemporaryDirectory { base in
            let directory = "\(base)/deep/.juicectl"
            let store = StateStore(stateDir: directory, host: LiveHost())
            try store.save(Self.sample())
            let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
            #expect(store.path == "\(directory)/state.json")
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            #expect((try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int) == 0o700)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["state.json"])
        }
    }

    @Test func replacesTheWholeFile() async throws {
        try await withTemporaryDirectory { base in
            let store = StateStore(stateDir: base, host: LiveHost())
            try store.save(Self.sample())
            var smaller = VolumeState()
            smaller.mountPaths = ["/srv/a"]
            try store.save(smaller)
            #expect(store.load() == smaller)
            #expect(try FileManager.default.contentsOfDirectory(atPath: base) == ["state.json"])
        }
    }

    @Test func writesSortedJSONWithISODates() async throws {
        try await withTemporaryDirectory { base in
            let store = StateStore(stateDir: base, host: LiveHost())
            try store.save(Self.sample())
            let text = try String(contentsOfFile: store.path, encoding: .utf8)
            #expect(text.contains("\"setAt\" : \"2025-11-25T22:00:00Z\""))
            let mountPaths = try #require(text.range(of: "mountPaths"))
            let quotas = try #require(text.range(of: "quotas"))
            #expect(mountPaths.lowerBound < quotas.lowerBound)
        }
    }

    @Test func updateAppliesAChangeToTheStoredState() async throws {
        try await withTemporaryDirectory { base in
            let store = StateStore(stateDir: base, host: LiveHost())
            try store.save(Self.sample())
            try store.update { $0.mountPaths.removeAll { $0 == "/srv/a" } }
            #expect(store.load().mountPaths == ["/srv/b c"])
            #expect(store.load().quotas.count == 2)
        }
    }

    @Test func aMissingOrDamagedFileLoadsAsEmptyState() async throws {
        try await withTemporaryDirectory { base in
            let store = StateStore(stateDir: base, host: LiveHost())
            #expect(store.load() == VolumeState())
            try Data("{\"mountPaths\": [".utf8).write(to: URL(fileURLWithPath: store.path))
            #expect(store.load() == VolumeState())
        }
    }

    @Test func anAtomicWriteThatCannotCreateItsFileThrowsAndLeavesTheOldContent() async throws {
        try await withTemporaryDirectory { base in
            let store = StateStore(stateDir: base, host: LiveHost())
            try store.save(Self.sample())
            #expect(throws: (any Error).self) { try AtomicFile.write(Data("x".utf8), to: "\(base)/missing/state.json", mode: 0o600) }
            #expect(store.load() == Self.sample())
        }
    }
}
