internal import Foundation
internal import JuiceCtlCore

/// Finds the hard links of a tree on a mounted volume (`/active` or a checkpoint): the groups of names inside it
/// that share an inode. Names linked to a name outside the tree only are left out.
///
/// With SQLite metadata it runs one read-only `sqlite3` query (``HardLinkQuery``), about 15 ms on 100,000 inodes;
/// it never runs it while the database file is missing (sqlite3 would create it). With another engine, or when the
/// query fails (another juicefs version may have another schema), it walks the tree through the mount instead, and
/// the result says why. It only reads, so it can run while the tree is being cloned.
struct HardLinkScanner: Sendable {
    let host: any HostProbing
    let runner: any CommandRunning
    /// The `sqlite3` program.
    let sqlite3: String
    /// How long the query may run.
    var queryTimeout: Duration = .seconds(120)
    /// How long a walk may take (as long as a clone may).
    var walkDeadline: Duration = .seconds(6 * 3600)
    /// What the scan's duration is measured on.
    var clock: HostClock = .system

    /// The groups inside the tree at `volumePath` (from the volume root, e.g. `/active`).
    ///
    /// - Parameters:
    ///   - mountPath: where the volume is mounted.
    ///   - database: the SQLite metadata file, `nil` for another engine.
    /// - Throws: ``HardLinkError`` when the walk fails or times out (a failed query falls back to the walk).
    func scan(_ volumePath: String, mountPath: String, database: String?) async throws(HardLinkError) -> HardLinkScan {
        let start = clock.now()
        var fallbackReason: String?
        if let database {
            do {
                let groups = try await query(database, tree: volumePath)
                return HardLinkScan(groups: groups, source: .metadata, duration: clock.now() - start)
            } catch {
                fallbackReason = error.message
            }
        }
        let groups = try await walk(volumePath, mountPath: mountPath)
        return HardLinkScan(groups: groups, source: .walk, fallbackReason: fallbackReason, duration: clock.now() - start)
    }

    /// The groups from the metadata, or why they could not be read from it.
    private func query(_ database: String, tree volumePath: String) async throws(HardLinkError) -> [HardLinkGroup] {
        guard host.fileExists(database) else { throw HardLinkError("the metadata database \(database) does not exist") }
        let tree = volumePath.utf8.split(separator: 0x2F, omittingEmptySubsequences: true).map(Array.init)
        guard !tree.isEmpty else { throw HardLinkError("the volume root is not a tree the query reads") }
        let result: CommandResult
        do {
            result = try await runner.run(Command(sqlite3, HardLinkQuery.arguments(database: database, tree: tree), timeout: queryTimeout))
        } catch {
            throw HardLinkError("sqlite3 could not run (\(error.reason); Debian: apt-get install sqlite3)")
        }
        guard result.succeeded else {
            let detail = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
            throw HardLinkError("the metadata query failed (\(result.terminationDescription)\(detail.isEmpty ? "" : ": \(detail)"))")
        }
        return HardLinkQuery.groups(try HardLinkQuery.edges(result.stdout), inside: tree)
    }

    /// The groups from a walk of the tree through the mount.
    private func walk(_ volumePath: String, mountPath: String) async throws(HardLinkError) -> [HardLinkGroup] {
        switch await host.linkedFiles(under: HostPath.join(mountPath, volumePath), deadline: walkDeadline) {
        case .found(let files):
            return HardLinkGroup.grouping(files.map { ($0.path, $0.inode) })
        case .failed(let code, let path):
            let place = path.isRoot ? volumePath : "\(volumePath)/\(path)"
            throw HardLinkError(
                "walking \(volumePath) for its hard links failed at \(place): \(String(cString: strerror(code))); "
                    + "check that the volume answers (juicectl status) and try again")
        case .timedOut:
            throw HardLinkError(
                "walking \(volumePath) for its hard links took longer than \(walkDeadline.milliseconds / 1000) s; "
                    + "check that the volume answers (juicectl status) and try again")
        }
    }
}
