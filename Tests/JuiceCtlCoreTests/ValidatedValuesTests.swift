import Testing
import Yams

@testable import JuiceCtlCore

@Suite("Values parsed once")
struct ValidatedValuesTests {
    private func validate(_ yaml: String) throws -> SchemaValidator {
        var converter = SpecNodeConverter(file: "spec.yaml")
        let root = try converter.convert(try #require(try Yams.compose(yaml: yaml)))
        var validator = SchemaValidator()
        validator.validate(root, against: SpecFormat.document, path: "")
        return validator
    }

    @Test("the validator hands the builder each size, duration and URL it accepted, parsed, by path")
    func acceptedValuesAreTyped() throws {
        let validator = try validate(
            SpecFixture.yaml(
                """
                format:
                  blockSize: 1MiB
                mount:
                  uploadDelay: 2m
                storage:
                  type: s3
                  bucket: https://S3.Example.com/bucket/
                quotas:
                  - path: /active/fs
                    capacity: 5GiB

                """))
        #expect(validator.values.size("format.blockSize") == ByteSize(bytes: ByteSize.mib))
        #expect(validator.values.duration("mount.uploadDelay") == TimeSpan.seconds(120))
        #expect(validator.values.bucket("storage.bucket") == "https://s3.example.com/bucket")
        #expect(validator.values.size("quotas[0].capacity") == ByteSize.gibibytes(5))
        #expect(validator.values.text("name") == "demo")
    }

    @Test("a value outside its key's bounds is an error and never reaches the builder")
    func outOfBoundsValueIsNotRecorded() throws {
        let validator = try validate(SpecFixture.yaml("format:\n  blockSize: 32KiB\nquotas:\n  - path: /a\n    capacity: 0KiB\n"))
        #expect(validator.values.size("format.blockSize") == nil)
        #expect(validator.values.size("quotas[0].capacity") == nil)
        #expect(validator.diagnostics.map(\.path) == ["format.blockSize", "quotas[0].capacity"])
    }

    @Test("size bounds check the range and the multiple, in the key's own words")
    func sizeBounds() {
        let bounds = SpecFormat.blockSize
        #expect(bounds.problem(with: ByteSize(bytes: 4 * ByteSize.mib)) == nil)
        #expect(
            bounds.problem(with: ByteSize(bytes: 100 * ByteSize.kib + 1))?.message
                == "block size \(ByteSize(bytes: 100 * ByteSize.kib + 1)) is outside 64KiB to 16MiB or not a whole number of KiB")
        #expect(bounds.problem(with: ByteSize(bytes: 32 * ByteSize.mib)) != nil)
        #expect(SpecFormat.cacheSize.problem(with: ByteSize(bytes: 1536 * ByteSize.kib))?.hint == "juicefs takes the cache size in MiB")
    }

    @Test("duration bounds name the limit that was crossed and the range")
    func durationBounds() {
        let range = ValueBounds.duration(TimeSpan.seconds(1)...TimeSpan.seconds(60))
        #expect(range.problem(with: .seconds(30), text: "30s") == nil)
        #expect(range.problem(with: .zero, text: "0s")?.message == "'0s' is below the minimum 1s")
        #expect(range.problem(with: .seconds(61), text: "61s")?.hint == "1s to 1m")
        #expect(SpecFormat.backupInterval.problem(with: .zero, text: "0")?.message == "'0' is below 1s")
        #expect(SpecFormat.backupInterval.problem(with: .seconds(3600), text: "1h") == nil)
    }
}
