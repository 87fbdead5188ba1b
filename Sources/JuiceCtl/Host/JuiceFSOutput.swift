internal import Foundation
package import JuiceCtlCore

/// Parsers for what `juicefs` prints. Results go to stdout (JSON for `status`, ASCII tables for `quota`); logs and
/// fatal errors go to stderr as `<LEVEL>: message [function@file:line]`.
package enum JuiceFSOutput {
    /// The most useful error line of a juicefs stderr: the last `<FATAL>` or `<ERROR>` message without its
    /// timestamp and source position, or the last non-empty line.
    package static func errorMessage(_ stderr: String) -> String {
        let lines = stderr.split(separator: "\n").map(String.init)
        let marked = lines.last { $0.contains("<FATAL>:") } ?? lines.last { $0.contains("<ERROR>:") }
        guard let line = marked ?? lines.last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return "no error output" }
        var text = Substring(line)
        if let range = text.range(of: ">: ") { text = text[range.upperBound...] }
        if let bracket = text.range(of: " [", options: .backwards), text.hasSuffix("]") { text = text[..<bracket.lowerBound] }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// `juicefs status` JSON.
    package struct Status: Sendable, Decodable {
        /// The volume's settings.
        package var setting: Setting
        /// Client sessions.
        package var sessions: [Session]

        enum CodingKeys: String, CodingKey {
            case setting = "Setting"
            case sessions = "Sessions"
        }

        /// `Setting` (also the `Format` section of a mount's `.config`).
        package struct Setting: Sendable, Decodable {
            package var name: String
            package var uuid: String
            package var storage: String
            package var bucket: String
            package var blockSize: Int
            package var compression: String?
            package var trashDays: Int

            enum CodingKeys: String, CodingKey {
                case name = "Name"
                case uuid = "UUID"
                case storage = "Storage"
                case bucket = "Bucket"
                case blockSize = "BlockSize"
                case compression = "Compression"
                case trashDays = "TrashDays"
            }

            /// As the planner's ``FormatInfo``.
            package var formatInfo: FormatInfo {
                FormatInfo(
                    name: name, uuid: uuid, storage: storage, bucket: bucket, blockSizeKiB: blockSize,
                    compression: compression ?? "none", trashDays: trashDays)
            }
        }

        /// One client session.
        package struct Session: Sendable, Decodable {
            package var sid: Int
            package var hostName: String?
            package var mountPoint: String?
            package var processID: Int?
            package var expire: String?

            enum CodingKeys: String, CodingKey {
                case sid = "Sid"
                case hostName = "HostName"
                case mountPoint = "MountPoint"
                case processID = "ProcessID"
                case expire = "Expire"
            }
        }

        /// The sessions in the pure layer's terms.
        package var clientSessions: [ClientSession] {
            sessions.map {
                ClientSession(
                    sid: $0.sid, hostName: $0.hostName, mountPoint: $0.mountPoint,
                    processID: $0.processID, expire: $0.expire)
            }
        }

        /// Parses the JSON `juicefs status` prints on stdout.
        package static func parse(_ text: String) throws -> Status {
            try JSONDecoder().decode(Status.self, from: Data(text.utf8))
        }
    }

    /// The parts of a mount's `.config` juicectl reads.
    package struct MountConfig: Sendable, Decodable {
        package var format: Status.Setting
        package var pid: Int32
        package var ppid: Int32
        package var meta: Meta?

        enum CodingKeys: String, CodingKey {
            case format = "Format"
            case pid = "Pid"
            case ppid = "PPid"
            case meta = "Meta"
        }

        /// `Meta` section.
        package struct Meta: Sendable, Decodable {
            package var mountPoint: String?
            package var heartbeat: Int64?

            enum CodingKeys: String, CodingKey {
                case mountPoint = "MountPoint"
                case heartbeat = "Heartbeat"
            }
        }

        /// Parses `.config`.
        static func parse(_ data: Data) throws -> MountConfig {
            try JSONDecoder().decode(MountConfig.self, from: data)
        }
    }

    /// Reads the table `juicefs quota get/list/set` prints: path → limits. Sizes are rounded by juicefs
    /// (`1.5 GiB`, `10 TiB`), so each reading carries the rounding as its tolerance; `unchanged` means no limit.
    package static func quotaTable(_ text: String, source: String) -> [String: QuotaReading] {
        var readings: [String: QuotaReading] = [:]
        var columns: [String] = []
        for line in text.split(separator: "\n") where line.hasPrefix("|") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.first == "Path" || cells.first == "Path/ID" {
                columns = cells
                continue
            }
            guard let pathIndex = columns.firstIndex(where: { $0 == "Path" || $0 == "Path/ID" }),
                let sizeIndex = columns.firstIndex(of: "Size"), let inodesIndex = columns.firstIndex(of: "Inodes"),
                cells.count == columns.count
            else { continue }
            let path = cells[pathIndex]
            guard path.hasPrefix("/") else { continue }
            let size = parseSize(cells[sizeIndex])
            let inodes = UInt64(cells[inodesIndex].replacingOccurrences(of: ",", with: ""))
            readings[path] = QuotaReading(
                capacity: size?.bytes, inodes: inodes.flatMap { $0 > 0 ? $0 : nil },
                capacityTolerance: size?.tolerance ?? 0, source: source)
        }
        return readings
    }

    /// `1.5 GiB` → bytes and the rounding tolerance (half of the last printed digit); `nil` for `unchanged`,
    /// blank or zero.
    static func parseSize(_ text: String) -> (bytes: UInt64, tolerance: UInt64)? {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let number = Double(parts[0]), number > 0 else { return nil }
        let factors: [String: Double] = ["B": 1, "KiB": 0x1p10, "MiB": 0x1p20, "GiB": 0x1p30, "TiB": 0x1p40, "PiB": 0x1p50, "EiB": 0x1p60]
        guard let factor = factors[String(parts[1])] else { return nil }
        let decimals = parts[0].split(separator: ".").dropFirst().first?.count ?? 0
        var step = factor
        for _ in 0..<decimals { step /= 10 }
        let tolerance = parts[1] == "B" ? 0 : step / 2
        return (UInt64(number * factor), UInt64(tolerance.rounded(.up)))
    }
}
