import Testing

@testable import JuiceCtlCore

@Suite("Spec storage: local and S3")
struct SpecLoaderStorageTests {
    @Test("S3 storage takes a path-style bucket URL and two key references")
    func s3() throws {
        let spec = try SpecFixture.spec(s3YAML())
        #expect(
            spec.storage
                == .s3(bucket: "http://127.0.0.1:19000/mybucket", accessKey: .env("S3_ACCESS_KEY"), secretKey: .env("S3_SECRET_KEY")))
        #expect(spec.storage.juicefsType == "s3")
        #expect(spec.storage.bucket == "http://127.0.0.1:19000/mybucket")
        #expect(spec.storage.uuidFilePath(volume: spec.name) == nil)
        #expect(spec.storage.localPath == nil)
        #expect(
            spec.storage.displayEndpoint
                == "s3 http://127.0.0.1:19000/mybucket (accessKey: env S3_ACCESS_KEY, secretKey: env S3_SECRET_KEY)")
    }

    @Test("without keys, S3 storage relies on the ambient credentials")
    func ambientCredentials() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("storage:\n  type: s3\n  bucket: https://s3.eu-west-1.amazonaws.com/my-bucket\n"))
        #expect(spec.storage == .s3(bucket: "https://s3.eu-west-1.amazonaws.com/my-bucket", accessKey: nil, secretKey: nil))
        #expect(spec.storage.displayEndpoint == "s3 https://s3.eu-west-1.amazonaws.com/my-bucket (ambient credentials)")
    }

    @Test(
        "the bucket URL is normalised without changing its meaning",
        arguments: [
            ("http://127.0.0.1:19000/mybucket/", "http://127.0.0.1:19000/mybucket"),
            ("https://S3.Example.COM/Bucket", "https://s3.example.com/Bucket"),
            ("http://[::1]:9000/b", "http://[::1]:9000/b"),
            ("http://minio:09000/b", "http://minio:9000/b"),
        ])
    func bucketNormalised(written: String, normalised: String) throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("storage:\n  type: s3\n  bucket: \"\(written)\"\n"))
        #expect(spec.storage.bucket == normalised)
    }

    @Test(
        "a bucket URL that is not path-style http(s)://HOST[:PORT]/BUCKET is refused at the value",
        arguments: [
            ("ftp://127.0.0.1/b", "is not an http:// or https:// URL"),
            ("127.0.0.1:9000/b", "is not an http:// or https:// URL"),
            ("HTTP://127.0.0.1/b", "is not an http:// or https:// URL"),
            ("http://127.0.0.1:9000", "names no bucket"),
            ("http://127.0.0.1:9000/", "names no bucket"),
            ("http://127.0.0.1:9000//b", "names no bucket"),
            ("http://127.0.0.1:9000/b/prefix", "has more than the bucket in its path"),
            ("http://127.0.0.1:9000/b?region=x", "has a query or fragment"),
            ("http://127.0.0.1:9000/b#x", "has a query or fragment"),
            ("http://:9000/b", "has no valid host"),
            ("http://127.0.0.1:0/b", "port outside 1 to 65535"),
            ("http://127.0.0.1:65536/b", "port outside 1 to 65535"),
            ("http://127.0.0.1:x/b", "has no valid host"),
            ("http://a,b/bucket", "has no valid host"),
        ])
    func bucketRefused(written: String, message: String) {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("storage:\n  type: s3\n  bucket: \"\(written)\"\n"), line: 6, column: 11,
            path: "storage.bucket", message: message
        ).check()
    }

    @Test("an upper-case scheme gets a hint to write it in lower case")
    func upperCaseScheme() {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("storage:\n  type: s3\n  bucket: HTTPS://s3.example.com/b\n"), line: 6, column: 11,
            path: "storage.bucket", message: "is not an http:// or https:// URL", hint: "lower case"
        ).check()
    }

    @Test(
        "credentials in a bucket URL are refused with a hint, and the message shows the URL redacted",
        arguments: [
            "http://AKIAEXAMPLE:\(secretValue)@127.0.0.1:9000/b",
            "http://\(secretValue)@127.0.0.1:9000/b",
            "http://AK:\(secretValue)/x@127.0.0.1:9000/b",
        ])
    func bucketCredentials(written: String) throws {
        let yaml = SpecFixture.yaml("storage:\n  type: s3\n  bucket: \(written)\n")
        ExpectedDiagnostic(
            yaml: yaml, line: 6, column: 11, path: "storage.bucket", message: "'http://****@127.0.0.1:9000/b' carries credentials",
            hint: "storage.accessKey and storage.secretKey"
        ).check()
        let diagnostics = SpecLoader().load(text: yaml, file: "spec.yaml").diagnostics
        expectNoSecret(in: diagnostics)
        expectNoSecret(in: diagnostics, "AKIAEXAMPLE")
    }

    @Test("type s3 needs a bucket: the error is at the storage mapping")
    func bucketRequired() {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("storage:\n  type: s3\n"), line: 5, column: 3, path: "storage",
            message: "storage type s3 needs a bucket", hint: "bucket: https://"
        ).check()
    }

    @Test("path belongs to type local")
    func pathIsLocal() {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("storage:\n  type: s3\n  bucket: http://h/b\n  path: /srv/objects\n"), line: 7, column: 9,
            path: "storage.path", message: "'path' belongs to type local"
        ).check()
    }

    @Test(
        "bucket and keys belong to type s3, also when the type is left out",
        arguments: [
            ("type: local\n  ", "bucket: http://h/b", 6, "storage.bucket"),
            ("", "accessKey: {env: AK}", 5, "storage.accessKey"),
            ("type: local\n  ", "secretKey: {file: /etc/sk}", 6, "storage.secretKey"),
        ])
    func s3KeysOnLocal(typeLine: String, line: String, number: Int, path: String) {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("storage:\n  \(typeLine)\(line)\n"), line: number, column: path == "storage.bucket" ? 11 : 14,
            path: path, message: "belongs to type s3", hint: "set storage.path"
        ).check()
    }

    @Test(
        "the keys come both or neither",
        arguments: [
            ("accessKey: {env: AK}", "storage.accessKey", "accessKey is given without secretKey"),
            ("secretKey: {env: SK}", "storage.secretKey", "secretKey is given without accessKey"),
        ])
    func keysInPairs(line: String, path: String, message: String) {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("storage:\n  type: s3\n  bucket: http://h/b\n  \(line)\n"), line: 7, column: 14,
            path: path, message: message, hint: "neither"
        ).check()
    }

    @Test("S3 storage with the default SQLite metadata keeps the default Litestream backup")
    func s3WithSQLiteBackup() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("storage:\n  type: s3\n  bucket: http://h/srv\n"))
        #expect(spec.metadata.engine == .sqlite)
        #expect(spec.backup?.replicaPath == "/srv/demo/replica")
    }

    @Test("local storage is as before: a directory on this host")
    func local() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("storage:\n  type: local\n  path: /data/objects/\n"))
        #expect(spec.storage == .local(path: "/data/objects"))
        #expect(spec.storage.localPath == "/data/objects")
        #expect(spec.storage.displayEndpoint == "file /data/objects/")
    }

    @Test("the bucket is a string in YAML 1.2 terms", arguments: [("42", "an integer"), ("true", "a boolean"), ("[http://h/b]", "a list")])
    func bucketTyping(written: String, found: String) {
        ExpectedDiagnostic(
            yaml: SpecFixture.yaml("storage:\n  type: s3\n  bucket: \(written)\n"), line: 6, column: 11,
            path: "storage.bucket", message: "found \(found)"
        ).check()
    }
}
