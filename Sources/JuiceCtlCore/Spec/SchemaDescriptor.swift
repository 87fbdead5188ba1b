/// A declarative description of the spec format, read by both the validator (``SchemaValidator``) and the JSON
/// Schema generator (``JSONSchemaGenerator``), so the published schema and the tool cannot drift apart.
public indirect enum SchemaType: Sendable {
    /// A string, optionally constrained.
    case string(StringRule)
    /// An integer within bounds.
    case integer(minimum: Int64?, maximum: Int64?)
    /// `true` or `false`.
    case boolean
    /// A mapping with known keys; unknown keys are errors.
    case object(SchemaObject)
    /// A list of values of one type, optionally with at least `minItems` and at most `maxItems` of them.
    case array(SchemaType, minItems: Int?, maxItems: Int? = nil)
    /// A value of any one of these scalar kinds (string, integer, number, boolean): used for free-form flag values.
    case scalar
    /// A section reserved for a later format revision: any mapping is accepted, with a warning.
    case reserved(String)
}

/// Constraints on a string value.
public struct StringRule: Sendable {
    /// JSON Schema (ECMA-262) pattern the whole string must match.
    public var pattern: String?
    /// The allowed values, when the string is an enumeration.
    public var allowed: [String]?
    /// Minimum length in characters.
    public var minLength: Int?
    /// Maximum length in characters.
    public var maxLength: Int?
    /// A short name of the expected form, for messages: "an absolute path", "a size such as 10TiB".
    public var expected: String?
    /// A parser that gives better messages than the pattern alone.
    public var semantic: Semantic?
    /// The range the parsed value must lie in (a ``Semantic/size`` or ``Semantic/duration``), checked by the validator.
    public var bounds: ValueBounds?

    /// Parsers the validator runs on top of the pattern.
    public enum Semantic: Sendable {
        /// ``ByteSize``.
        case size
        /// ``TimeSpan``.
        case duration
        /// An absolute, normalised host path.
        case absolutePath
        /// A path-style S3 bucket URL without credentials (`BucketURL`).
        case bucketURL
        /// A metadata engine URL without a password (`MetadataURL`).
        case metadataURL
        /// The key prefix of an S3 replica (`S3ReplicaRules`).
        case keyPrefix
    }

    /// Creates a rule.
    public init(
        pattern: String? = nil, allowed: [String]? = nil, minLength: Int? = nil, maxLength: Int? = nil,
        expected: String? = nil, semantic: Semantic? = nil, bounds: ValueBounds? = nil
    ) {
        self.semantic = semantic
        self.bounds = bounds
        self.pattern = pattern
        self.allowed = allowed
        self.minLength = minLength
        self.maxLength = maxLength
        self.expected = expected
    }

    /// Any string.
    public static let any = StringRule()
    /// An absolute path.
    public static let absolutePath = StringRule(
        pattern: "^/", minLength: 1, maxLength: 4096, expected: "an absolute path", semantic: .absolutePath)
    /// A size with a binary unit.
    public static let size = StringRule(
        pattern: ByteSize.pattern, expected: "a size with a binary unit, such as 512MiB or 10TiB", semantic: .size)
    /// This rule with its parsed value bounded by `bounds`.
    public func bounded(by bounds: ValueBounds) -> StringRule {
        var copy = self
        copy.bounds = bounds
        return copy
    }

    /// A duration.
    public static let duration = StringRule(pattern: TimeSpan.pattern, expected: "a duration such as 30s, 5m or 1h30m", semantic: .duration)
}

/// A mapping with a fixed set of keys.
public struct SchemaObject: Sendable {
    /// The keys, in the order documentation lists them.
    public var fields: [SchemaField]
    /// What the mapping holds.
    public var description: String
    /// Keys that are known but not accepted here, each with what to do instead.
    public var rejected: [String: String]
    /// Keys of which at least one must be present (JSON Schema: `anyOf` of one `required` each).
    public var requiresAnyOf: RequiresAnyOf?
    /// Keys of which exactly one must be present (JSON Schema: `oneOf` of one `required` each); the message says so
    /// when none or several are.
    public var requiresOneOf: RequiresAnyOf?
    /// Whether the mapping is a reference to a secret (``VolumeSpec/SecretSource``): messages about it never quote
    /// its values or unknown keys (they may be the secret), and a plain string in its place is refused as an inline
    /// secret.
    public var isSecretReference: Bool

    /// A group of keys of which at least one (``SchemaObject/requiresAnyOf``) or exactly one
    /// (``SchemaObject/requiresOneOf``) must be present; ``message`` says so when the rule is broken.
    public struct RequiresAnyOf: Sendable {
        /// The keys.
        public var keys: [String]
        /// The error when the rule is broken.
        public var message: String

        /// Creates the rule.
        public init(_ keys: [String], message: String) {
            self.keys = keys
            self.message = message
        }
    }

    /// Creates an object description.
    public init(
        _ description: String, _ fields: [SchemaField], rejected: [String: String] = [:],
        requiresAnyOf: RequiresAnyOf? = nil, requiresOneOf: RequiresAnyOf? = nil, isSecretReference: Bool = false
    ) {
        self.description = description
        self.fields = fields
        self.rejected = rejected
        self.requiresAnyOf = requiresAnyOf
        self.requiresOneOf = requiresOneOf
        self.isSecretReference = isSecretReference
    }

    /// The field named `name`.
    public func field(_ name: String) -> SchemaField? { fields.first { $0.name == name } }
}

/// One key of a mapping.
public struct SchemaField: Sendable {
    /// The key.
    public var name: String
    /// The type of its value.
    public var type: SchemaType
    /// Whether the key must be present.
    public var required: Bool
    /// What the key means, including its default.
    public var description: String

    /// Creates a field.
    public init(_ name: String, _ type: SchemaType, required: Bool = false, _ description: String) {
        self.name = name
        self.type = type
        self.required = required
        self.description = description
    }
}
