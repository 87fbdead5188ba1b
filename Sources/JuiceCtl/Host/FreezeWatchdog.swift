package import Foundation

/// What juicectl froze for a checkpoint, recorded in ``JuiceCtlCore/VolumeSpec/freezeRecordFile`` before the first
/// freeze and removed after the last thaw.
package struct FreezeRecord: Sendable, Hashable, Codable {
    /// The process that froze them.
    package var pid: Int32
    /// Its start time (field 22 of `/proc/PID/stat`), so that a reused pid is not mistaken for it.
    package var processStart: UInt64?
    /// The checkpoint being taken.
    package var checkpoint: String
    /// The cgroups frozen (or about to be); cgroups that were frozen before juicectl came are not listed.
    package var cgroups: [FreezableCgroup]
    /// When the freeze began.
    package var startedAt: Date

    /// Creates a record.
    package init(pid: Int32, processStart: UInt64?, checkpoint: String, cgroups: [FreezableCgroup], startedAt: Date) {
        self.pid = pid
        self.processStart = processStart
        self.checkpoint = checkpoint
        self.cgroups = cgroups
        self.startedAt = startedAt
    }

    /// Whether the process that wrote the record is still alive (the freeze is someone's checkpoint in progress).
    func writerAlive(host: any HostProbing) -> Bool {
        guard host.isAlive(pid) else { return false }
        guard let recorded = processStart else { return true }
        return host.processStartTime(pid) == recorded
    }
}

/// The freeze watchdog: a small shell process juicectl starts, in a session of its own, just before it freezes
/// anything. It waits (`flock -w LIMIT`) on the freeze lock juicectl holds while things are frozen. When juicectl
/// lets go normally it has already thawed and removed its records, and the watchdog just exits. When juicectl dies
/// (even by SIGKILL) the kernel releases the lock at once; when juicectl hangs, the limit passes: either way the
/// watchdog finds the records still there and thaws what they name (the overlay image's filesystem first, then the
/// cgroups), then removes them. So nothing juicectl froze stays frozen longer than the limit, without any further
/// juicectl command.
package enum FreezeWatchdog {
    /// The script; its arguments: lock, limit in seconds, cgroup record, overlay marker, fsfreeze, upper mount (or
    /// empty), flock, then pairs of control file and thaw value.
    static let script = """
        lock=$1 limit=$2 record=$3 overlay=$4 fsfreeze=$5 upper=$6 flock=$7; shift 7
        (
          "$flock" -w "$limit" "$lock" true
          if [ -n "$upper" ] && [ -e "$overlay" ]; then
            "$fsfreeze" --unfreeze "$upper" && rm -f "$overlay"
          fi
          if [ -e "$record" ]; then
            failed=0
            while [ $# -ge 2 ]; do printf '%s\\n' "$2" > "$1" || failed=1; shift 2; done
            [ "$failed" = 0 ] && rm -f "$record"
          fi
        ) </dev/null >/dev/null 2>&1 &
        echo $!
        """

    /// The command that starts the watchdog; it prints the watchdog's pid and returns at once.
    ///
    /// - Parameters:
    ///   - limit: how long at most anything stays frozen, from now.
    ///   - cgroups: the cgroups to thaw.
    ///   - overlayUpperMount: the image's mount point, when the overlay image's filesystem may be frozen too.
    static func command(
        tools: Tools, lockFile: String, limit: Duration, recordFile: String, overlayMarker: String,
        overlayUpperMount: String?, cgroups: [FreezableCgroup]
    ) -> Command {
        let seconds = String(format: "%.3f", Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18)
        var arguments = [
            "-c", script, "juicectl-freeze-watchdog", lockFile, seconds, recordFile, overlayMarker, tools.fsfreeze,
            overlayUpperMount ?? "", tools.flock,
        ]
        for cgroup in cgroups { arguments += [cgroup.controlFile, cgroup.thawValue] }
        return Command("/bin/sh", arguments, timeout: .seconds(10))
    }
}
