@testable import JuiceCtl

/// `stat -f` figures captured from the fixture volume (`host/statfs.txt`, `host/statfs-used.txt`), by path from
/// the volume root (`/` for the mount root).
enum StatfsFixture {
    static let capturedMountPoint = "/tmp/jc-fixtures/mnt"

    static func load(_ name: String) throws -> [String: FilesystemStats] {
        var result: [String: FilesystemStats] = [:]
        for line in try Fixture.text(name).split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let path = words.first, path.hasPrefix(capturedMountPoint) else { continue }
            var figures: [String: UInt64] = [:]
            for word in words.dropFirst() {
                let pair = word.split(separator: "=")
                if pair.count == 2 { figures[String(pair[0])] = UInt64(pair[1]) }
            }
            let volumePath = String(path.dropFirst(capturedMountPoint.count))
            result[volumePath.isEmpty ? "/" : volumePath] = FilesystemStats(
                blockSize: figures["bsize"] ?? 0, blocks: figures["blocks"] ?? 0, freeBlocks: figures["bfree"] ?? 0,
                files: figures["files"] ?? 0, freeFiles: figures["ffree"] ?? 0)
        }
        return result
    }
}
