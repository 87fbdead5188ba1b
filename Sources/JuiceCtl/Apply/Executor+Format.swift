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
        if case .holdsVolume(let uuid) = observation.storage {
            throw StepError("the object storage now holds data of volume UUID \(uuid); refusing to format over it")
        }
        try prepareHostDirectories(spec)
        try await juicefs.format(spec)
        // Verify: the engine now answers with the volume.
        guard case .formatted(let status) = try await juicefs.status(spec.metadata.url), status.setting.name == spec.name else {
            throw StepError("juicefs format returned, but the metadata engine holds no volume named \(spec.name)")
        }
        return .done("formatted volume \(spec.name) (UUID \(status.setting.uuid), block size \(spec.format.blockSize), compression \(spec.format.compression), trash \(spec.format.trashDays) day(s))")
    }
}
