import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Testing

@testable import JuiceCtl

@Suite("Manifest cache")
struct ManifestCacheTests {
    static let manifest = CheckpointManifest(name: "c1", createdAt: Date(timeIntervalSince1970: 1_795_600_000), kind: .manual)

    @Test func aCachedManifestIsServedOnlyWhileItsFileKeepsItsInode() {
        var cache = ManifestCache()
        cache.entries["c1.json"] = .init(inode: 42, manifest: Self.manifest)
        #expect(cache.manifest("c1.json", inode: 42) == Self.manifest)
        #expect(cache.manifest("c1.json", inode: 43) == nil, "a file renamed over it has another inode")
        #expect(cache.manifest("c1.json", inode: nil) == nil, "a host that cannot tell inodes reads every manifest")
        #expect(cache.manifest("c2.json", inode: 42) == nil)
    }

    @Test func theCacheIsSavedForRootAloneAndLoadsBack() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            scenario.host.setLocalFile(scenario.spec.stateDir)
            var cache = ManifestCache()
            cache.entries["c1.json"] = .init(inode: 7, manifest: Self.manifest)
            cache.save(scenario.spec, host: scenario.host)
            #expect(scenario.host.snapshot.fileModes[ManifestCache.path(scenario.spec)] == 0o600)
            #expect(ManifestCache.load(scenario.spec, host: scenario.host).manifest("c1.json", inode: 7) == Self.manifest)
        }
    }

    @Test func aDamagedCacheLoadsEmpty() async throws {
        try await withTemporaryDirectory { base in
            let scenario = try VolumeScenario(baseDir: base)
            try scenario.host.writeLocalFile(ManifestCache.path(scenario.spec), Data("{not json".utf8), mode: 0o600)
            #expect(ManifestCache.load(scenario.spec, host: scenario.host).entries.isEmpty)
        }
    }
}
