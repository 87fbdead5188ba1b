/// What the validator accepted, parsed once: the typed value of each scalar that passed its rule (its type, pattern,
/// lengths, parser and bounds), by its path in the document ("quotas[0].capacity"). The builder reads values from
/// here instead of parsing the text again; a path that is absent was missing or was reported as an error.
struct ValidatedValues {
    /// One parsed value.
    enum Value {
        /// A ``ByteSize`` within its key's bounds.
        case size(ByteSize)
        /// A ``TimeSpan`` within its key's bounds.
        case duration(TimeSpan)
        /// A bucket URL, normalised (`BucketURL`).
        case bucket(String)
        /// A metadata URL's engine (`MetadataURL`).
        case metadataEngine(VolumeSpec.Metadata.Engine)
        /// A string that passed its rule and has no parser of its own.
        case text(String)
    }

    private var values: [String: Value] = [:]

    /// Records `value` as the accepted value at `path`.
    mutating func record(_ value: Value, at path: String) {
        values[path] = value
    }

    /// The size accepted at `path`.
    func size(_ path: String) -> ByteSize? {
        if case .size(let size)? = values[path] { return size }
        return nil
    }

    /// The duration accepted at `path`.
    func duration(_ path: String) -> TimeSpan? {
        if case .duration(let span)? = values[path] { return span }
        return nil
    }

    /// The normalised bucket URL accepted at `path`.
    func bucket(_ path: String) -> String? {
        if case .bucket(let url)? = values[path] { return url }
        return nil
    }

    /// The engine of the metadata URL accepted at `path`.
    func metadataEngine(_ path: String) -> VolumeSpec.Metadata.Engine? {
        if case .metadataEngine(let engine)? = values[path] { return engine }
        return nil
    }

    /// The plain string accepted at `path` (one with a parser reads through that parser's accessor).
    func text(_ path: String) -> String? {
        if case .text(let text)? = values[path] { return text }
        return nil
    }
}
