internal import JuiceCtlCore

/// `juicefs format` refused an object storage that already holds objects of the volume while the metadata engine
/// holds none: the planner's ``ConflictCode/refuseFormatOverData``, found when juicefs looked (a store the observer
/// could not list, or objects written since it did).
struct FormatRefusal: Error, CustomStringConvertible {
    /// The conflict it is.
    var code: ConflictCode { .refuseFormatOverData }
    /// The object storage, as shown to people.
    var storage: String
    /// The volume.
    var volume: String
    /// The metadata engine, as shown to people.
    var metadata: String

    /// The refusal for the volume `spec` declares.
    init(_ spec: VolumeSpec) {
        storage = spec.storage.displayEndpoint
        volume = spec.name
        metadata = spec.metadata.displayURL
    }

    /// The code, what is wrong and what to do.
    var description: String {
        "\(code.rawValue): the object storage \(storage) already holds objects of volume '\(volume)' but the metadata engine "
            + "\(metadata) holds no volume; formatting would create an empty filesystem over them. Restore the metadata to the "
            + "engine and run apply again; if the old objects are to be discarded, remove the prefix \(volume)/ from the bucket first"
    }
}
