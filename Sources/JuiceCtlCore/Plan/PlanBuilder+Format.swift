/// The format stage: a new volume, a refused format over data, and format settings that drifted.
extension PlanBuilder {
    /// Returns false when nothing else can be planned.
    mutating func planFormat() -> Bool {
        switch observation.metadata {
        case .missing, .unformatted:
            let why =
                observation.metadata == .missing
                ? "metadata database \(spec.metadata.sqlitePath ?? spec.metadata.redactedURL) does not exist"
                : "the metadata engine holds no volume"
            if let settings = spec.backup, let backup = observation.backup, backup.replicaUnreadable != nil || !backup.replicaListed {
                // An S3 replica that cannot be listed may hold this volume: formatting would start a new one beside it.
                conflicts.append(
                    Conflict(
                        code: .replicaUnreadable, target: settings.replica.display,
                        message:
                            "\(why), and the Litestream replica \(settings.replica.display) cannot be listed: "
                            + "\(backup.replicaUnreadable ?? "it was not read"); it may hold this volume's metadata",
                        hint:
                            "make the replica's store reachable (endpoint, keys, bucket) and run apply again; juicectl restores from a "
                            + "replica that holds the volume and formats only when it is empty",
                        blocking: true))
                return false
            }
            if let settings = spec.backup, let backup = observation.backup, backup.replicaExists, let database = spec.metadata.sqlitePath {
                actions.append(
                    Action(
                        .restoreMetadata, .create, target: database,
                        reason:
                            "\(why); the replica \(settings.replica.display) holds "
                            + "it\(backup.replicaTXID.map { " (up to transaction \($0))" } ?? ""): restore it before anything else, "
                            + "never format over it"
                    ))
                restoresMetadata = true
                return true
            }
            switch observation.storage {
            case .holdsVolume where observation.interruptedFormat:
                actions.append(
                    Action(
                        .format, .create, target: spec.name,
                        reason:
                            "complete the format juicectl started and did not finish: \(why) and the object storage holds only the "
                            + "juicefs_uuid that juicefs format writes first (it is moved aside into \(spec.stateDir))",
                        disruption: .none))
                formatsVolume = true
                return true
            case .holdsVolume(let uuid):
                // With a backup, say which replica was looked at: it is empty, or apply would have restored from it.
                let replica = spec.backup.map { "; the Litestream replica \($0.replica.display) holds nothing to restore from" } ?? ""
                let source =
                    spec.backup.map {
                        "for example by putting this volume's Litestream replica back at \($0.replica.display), from which apply restores "
                            + "it"
                    }
                    ?? "for example from a backup or Litestream replica"
                conflicts.append(
                    Conflict(
                        code: .refuseFormatOverData, target: spec.storage.bucket,
                        message:
                            "\(why)\(replica), but the object storage \(spec.storage.bucket) already holds data of a volume named "
                            + "'\(spec.name)' (UUID \(uuid)); formatting would create an empty filesystem over it",
                        hint:
                            "restore the metadata to \(spec.metadata.sqlitePath ?? "the metadata engine") (\(source)) and run apply again; "
                            + "if the old data is to be discarded, move \(spec.storage.bucket)\(spec.name) away first",
                        blocking: true))
                return false
            case .unknown(let message):
                conflicts.append(
                    Conflict(
                        code: .storageUnreadable, target: spec.storage.bucket,
                        message: "cannot tell whether the object storage already holds this volume: \(message)",
                        hint: "fix access to the storage; juicectl never formats without knowing", blocking: true))
                return false
            case .empty:
                actions.append(
                    Action(
                        .format, .create, target: spec.name,
                        reason: "\(why) and the object storage holds no data of this volume",
                        disruption: .none))
                formatsVolume = true
                return true
            case .remote(let endpoint):
                actions.append(
                    Action(
                        .format, .create, target: spec.name,
                        reason:
                            "\(why); juicefs format checks \(endpoint) and refuses it if it already holds objects of volume '\(spec.name)'",
                        disruption: .none))
                formatsVolume = true
                return true
            }
        case .unreadable(let message):
            conflicts.append(
                Conflict(
                    code: .metadataUnreadable, target: spec.metadata.redactedURL,
                    message: "cannot read the metadata engine: \(message)",
                    hint: "check the database and the juicefs log; juicectl changes nothing until it can read it",
                    blocking: true))
            return false
        case .formatted(let info):
            // A host that owns the volume again after another host did starts from the replica, not its own copy.
            if let ownership = observation.ownership, ownership.ownedElsewhereSince, !runsHere,
                actions.contains(where: { $0.kind == .claimOwnership }), let settings = spec.backup, let database = spec.metadata.sqlitePath
            {
                actions.append(
                    Action(
                        .refreshMetadata, .replace, target: database,
                        reason:
                            "another host owned the volume since this host last did, so \(database) is older than the replica "
                            + "\(settings.replica.display): move it aside (kept) and restore the replica's"
                    ))
                restoresMetadata = true
                return true
            }
            return checkFormatted(info)
        }
    }

    mutating func checkFormatted(_ info: FormatInfo) -> Bool {
        if info.name != spec.name {
            conflicts.append(
                Conflict(
                    code: .volumeNameMismatch, target: "name",
                    message: "the metadata engine holds volume '\(info.name)', the spec names '\(spec.name)'",
                    hint: "point metadata.url at this volume's own database, or fix the name", blocking: true))
            return false
        }
        if case .holdsVolume(let uuid) = observation.storage, uuid != info.uuid {
            conflicts.append(
                Conflict(
                    code: .storageBelongsToOtherVolume, target: spec.storage.bucket,
                    message: "the object storage holds volume UUID \(uuid), the metadata engine volume UUID \(info.uuid)",
                    hint: "the metadata and the objects do not belong together; restore the right metadata or storage path",
                    blocking: true))
            return false
        }
        if info.storage != spec.storage.juicefsType || info.bucket != spec.storage.bucket {
            conflicts.append(
                Conflict(
                    code: .formatSettingChanged, target: "storage",
                    message:
                        "the volume stores objects in \(info.storage) \(info.bucket), the spec says \(spec.storage.juicefsType) "
                        + "\(spec.storage.bucket); the volume keeps using its own",
                    hint:
                        "storage is fixed at format time: set \(info.storage == "file" ? "storage.path" : "storage.bucket") back to "
                        + "\(info.storage == "file" ? info.bucket.trimmingSuffix("/") : info.bucket) (moving objects is a manual "
                        + "migration)",
                    blocking: false))
        } else if case .empty = observation.storage {
            conflicts.append(
                Conflict(
                    code: .storageMissing, target: spec.storage.bucket,
                    message:
                        "the metadata engine holds volume '\(info.name)' but \(spec.storage.bucket)\(info.name)/juicefs_uuid is missing: "
                        + "the objects are gone or elsewhere",
                    hint: "restore the object directory before mounting; files would read as I/O errors", blocking: true))
            return false
        }
        let desired = spec.format
        if info.blockSizeKiB != Int(desired.blockSize.bytes / ByteSize.kib) {
            conflicts.append(
                Conflict(
                    code: .formatSettingChanged, target: "format.blockSize",
                    message:
                        "the volume was formatted with blockSize \(ByteSize(bytes: UInt64(info.blockSizeKiB) * ByteSize.kib)), the spec "
                        + "says \(desired.blockSize)",
                    hint: "the block size cannot change after format: set format.blockSize back, or create a new volume and copy the data",
                    blocking: false))
        }
        if info.compression != desired.compression {
            conflicts.append(
                Conflict(
                    code: .formatSettingChanged, target: "format.compression",
                    message: "the volume was formatted with compression \(info.compression), the spec says \(desired.compression)",
                    hint: "compression is fixed at format time: set format.compression back to \(info.compression)",
                    blocking: false))
        }
        if info.trashDays != desired.trashDays {
            conflicts.append(
                Conflict(
                    code: .formatSettingChanged, target: "format.trashDays",
                    message: "the volume keeps trash for \(info.trashDays) day(s), the spec says \(desired.trashDays)",
                    hint:
                        "juicectl never reformats; to change it deliberately run `juicefs config META --trash-days \(desired.trashDays) "
                        + "-y`, or set format.trashDays back to \(info.trashDays)",
                    blocking: false))
        }
        return true
    }
}
