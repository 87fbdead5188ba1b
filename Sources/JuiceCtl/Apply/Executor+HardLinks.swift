internal import Foundation
internal import JuiceCtlCore
internal import Logging

extension Executor {
    /// Runs `clone` (the `juicefs clone` of the tree at `source`, a volume path) while the hard links of `source` are
    /// found. The scan only reads, so it runs alongside the clone, inside a quiesced checkpoint's frozen window: the
    /// links found are those of the instant copied.
    ///
    /// - Throws: what `clone` throws, or a ``HardLinkError`` when the scan failed.
    func scanHardLinks(of source: String, spec: VolumeSpec, _ clone: () async throws -> Void) async throws -> HardLinkScan {
        let scanner = HardLinkScanner(host: host, runner: runner, sqlite3: tools.sqlite3, clock: clock)
        let mountPath = spec.mount.path
        let database = spec.metadata.sqlitePath
        // Action faults (debug builds) aim at the action's own programs, the clone first; the query is not one of them.
        async let scanning = ActionFault.$current.withValue(nil) {
            try await scanner.scan(source, mountPath: mountPath, database: database)
        }
        try await clone()
        return try await scanning
    }

    /// Re-links in `destination` (the clone of `source`, both volume paths) the names `scan` found linked in
    /// `source`, which `juicefs clone` copies apart. A name whose copy does not match its group's first copy (changed
    /// between the scan and the clone of a tree that was not frozen) is left alone and reported.
    ///
    /// - Returns: the part of the result message about hard links (`, 500 hard links kept (…)`, or nothing when the
    ///   tree has none and the scan went as planned), and how many were kept.
    /// - Throws: a ``HardLinkError`` when the repair failed (the clone in `destination` is then a leftover that the
    ///   next run removes).
    func repairHardLinks(
        _ scan: HardLinkScan, of source: String, in destination: String, files: VolumeFiles,
        spec: VolumeSpec
    ) async throws -> (note: String, kept: Int?) {
        let report = try await HardLinkRepair(host: host, clock: clock).repair(scan.groups, in: files.path(destination))
        logger.debug(
            "hard links",
            metadata: [
                "volume": "\(spec.name)", "tree": "\(source)", "groups": "\(scan.groups.count)", "kept": "\(report.kept)",
                "skipped": "\(report.skipped.count)", "scan-ms": "\(scan.duration.milliseconds)",
                "repair-ms": "\(report.duration.milliseconds)",
            ])
        return (Self.hardLinkNote(scan, report, tree: source), report.kept > 0 ? report.kept : nil)
    }

    /// Clones with ``scanHardLinks(of:spec:_:)`` and repairs with ``repairHardLinks(_:of:in:files:spec:)``: for
    /// clones that are not quiesced (a restore's clone of an immutable checkpoint).
    func cloneKeepingHardLinks(
        of source: String, into destination: String, files: VolumeFiles, spec: VolumeSpec,
        _ clone: () async throws -> Void
    ) async throws -> String {
        let scan = try await scanHardLinks(of: source, spec: spec, clone)
        return try await repairHardLinks(scan, of: source, in: destination, files: files, spec: spec).note
    }

    /// `, 500 hard links kept (found in 12 ms, re-linked in 380 ms)`, with the names left apart and the reason for a
    /// walk where the metadata could not be read; empty when there was nothing to say.
    static func hardLinkNote(_ scan: HardLinkScan, _ report: HardLinkRepair.Report, tree: String) -> String {
        var found = "found in \(scan.duration.milliseconds) ms"
        if let reason = scan.fallbackReason { found += " by walking \(tree), because \(reason)" }
        guard report.kept > 0 || !report.skipped.isEmpty else {
            return scan.fallbackReason == nil ? "" : ", no hard links (\(found))"
        }
        let links = "\(report.kept) hard link\(report.kept == 1 ? "" : "s")"
        var note = ", \(links) kept (\(found), re-linked in \(report.duration.milliseconds) ms)"
        if !report.skipped.isEmpty {
            let shown = report.skipped.prefix(3).map { "\(tree)/\($0)" }.joined(separator: ", ")
            let more = report.skipped.count > 3 ? " and \(report.skipped.count - 3) more" : ""
            note +=
                ", \(report.skipped.count) name\(report.skipped.count == 1 ? "" : "s") left as separate copies because they changed"
                + " while the tree was cloned (\(shown)\(more))"
        }
        return note
    }
}
