internal import Foundation
internal import JuiceCtlCore

extension Executor {
    /// `juicefs format`, only when the metadata engine still holds no volume and the storage still holds no data.
    func format(_ spec: VolumeSpec) async throws -> ActionResult.Outcome {
        let observation = await observer.observe(spec)
        switch observation.metadata {
        case .formatted(let info) where info.name == spec.name:
            return .skipped("volume \(spec.name) is already formatted (UUID \(info.uuid))")
        case .formatted(let info):
            throw StepError("the metadata engine now holds volume '\(info.name)'; not formatting")
        case .unreadable(let message):
            throw StepError("cannot read the metadata engine: \(message)")
        case .missing, .unformatted:
            break
        }
        try prepareHostDirectories(spec)
        var note = ""
        if case .holdsVolume(let uuid) = observation.storage {
            guard observer.isInterruptedFormat(spec), let uuidFile = spec.storage.uuidFilePath(volume: spec.name) else {
                throw StepError("the object storage now holds data of volume UUID \(uuid); refusing to format over it")
            }
            // juicefs refuses a storage that is not empty; keep the stale UUID file instead of deleting it.
            let aside = "\(spec.stateDir)/interrupted-format-juicefs_uuid.\(Int(clock.date().timeIntervalSince1970))"
            try host.moveLocalItem(uuidFile, to: aside)
            note = "; completed an interrupted format (its stale juicefs_uuid moved to \(aside))"
        }
        // Recorded before juicefs runs: if this process dies half-way, the next run knows the format was its own.
        let intent = Data("{\"volume\":\"\(spec.name)\",\"started\":\"\(ISO8601DateFormatter().string(from: clock.date()))\"}\n".utf8)
        try host.writeLocalFile(spec.formatIntentFile, intent, mode: 0o600)
        do {
            try await juicefs.format(spec)
        } catch let error as JuiceFSError where error.failure == .storageNotEmpty {
            throw FormatRefusal(spec)
        }
        // Verify: the engine now answers with the volume.
        guard case .formatted(let status) = try await juicefs.status(spec.metadata), status.setting.name == spec.name else {
            throw StepError("juicefs format returned, but the metadata engine holds no volume named \(spec.name)")
        }
        try? host.removeLocalItem(spec.formatIntentFile)
        return .done(
            "formatted volume \(spec.name) (UUID \(status.setting.uuid), block size \(spec.format.blockSize), compression "
                + "\(spec.format.compression), trash \(spec.format.trashDays) day(s))\(note)"
        )
    }
}
