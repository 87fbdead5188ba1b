package import JuiceCtlCore

extension OwnershipClaim {
    /// The ownership protocol of `spec`'s volume on this host, with its record where ``OwnershipRequirement`` puts
    /// it (an S3 object through curl, or a file through `host`), or `nil` when the volume needs no ownership.
    ///
    /// - Parameters:
    ///   - uuid: the JuiceFS volume UUID, when known.
    ///   - runner: runs curl.
    ///   - tools: where curl is.
    ///   - host: files, the instance id and the memory of what this instance owns.
    ///   - secrets: reads the S3 keys; by default from juicectl's environment and `host`'s files.
    /// - Throws: ``OwnershipError/noLocation(volume:)`` for a volume that needs a record but has no replica,
    ///   ``OwnershipError/ambientCredentials(volume:location:)`` for an S3 replica without keys in the spec,
    ///   ``OwnershipError/memory(path:problem:)`` when the instance id cannot be read or made.
    package static func forVolume(
        _ spec: VolumeSpec, uuid: String? = nil, runner: any CommandRunning, tools: Tools,
        host: any HostProbing, secrets: SecretResolver? = nil,
        clock: HostClock = .system,
        settle: Duration = defaultSettle
    ) async throws(OwnershipError) -> OwnershipClaim? {
        let store: any OwnershipStoring
        switch OwnershipRequirement.of(spec) {
        case .notRequired:
            return nil
        case .requiredWithoutLocation:
            throw .noLocation(volume: spec.name)
        case .required(.s3(let object)):
            store = try S3OwnershipStore(
                object: object, volume: spec.name, runner: runner, curl: tools.curl, secrets: secrets ?? SecretResolver(host: host))
        case .required(.file(let path)):
            store = FileOwnershipStore(path: path, host: host)
        }
        let identity = try await OwnershipIdentity.current(for: spec, host: host)
        return OwnershipClaim(
            volume: spec.name, uuid: uuid, identity: identity, store: store,
            memory: LocalOwnershipMemory(spec: spec, host: host), clock: clock, settle: settle)
    }
}
