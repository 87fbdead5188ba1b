import Testing

@testable import JuiceCtlCore

@Suite("Redaction")
struct RedactionTests {
    @Test(
        "the password of a URL is replaced by ****",
        arguments: [
            ("postgres://user:secret@db.example.com:5432/juicefs", "postgres://user:****@db.example.com:5432/juicefs"),
            ("redis://:p4ss@127.0.0.1:6379/1", "redis://:****@127.0.0.1:6379/1"),
            ("mysql://root:p@ss@(127.0.0.1:3306)/jfs", "mysql://root:****@(127.0.0.1:3306)/jfs"),
            ("postgres://u:pw@host/db?sslmode=disable&note=a@b", "postgres://u:****@host/db?sslmode=disable&note=a@b"),
            ("redis://u:pw@host", "redis://u:****@host"),
        ])
    func redactsPassword(url: String, redacted: String) {
        #expect(Redaction.redactURL(url) == redacted)
        #expect(!Redaction.redactURL(url).contains("secret"))
    }

    @Test(
        "URLs without a password are left as they are",
        arguments: [
            "redis://127.0.0.1:6379/1",
            "redis://user@host/1",
            "sqlite3:///srv/demo/metadata.db?_journal_mode=WAL&_busy_timeout=5000",
            "tikv://h1:2379,h2:2379/jfs",
            "not a url",
            "",
        ])
    func leavesOthers(url: String) {
        #expect(Redaction.redactURL(url) == url)
    }

    @Test(
        "a password holding '/' or '#', a secret-looking parameter and a fragment are masked too",
        arguments: [
            ("redis://:ab/s3cr3t@127.0.0.1:6379/1", "redis://:****@127.0.0.1:6379/1"),
            ("redis://u:ab#s3cr3t@host/1", "redis://u:****@host/1"),
            ("postgres://u@h/db?sslmode=disable&password=s3cr3t", "postgres://u@h/db?sslmode=disable&password=****"),
            ("postgres://u@h/db?SSLPassword=s3cr3t&x", "postgres://u@h/db?SSLPassword=****&x"),
            ("sqlite3:///db.sqlite?_auth_user=a&_auth_pass=s3cr3t", "sqlite3:///db.sqlite?_auth_user=a&_auth_pass=****"),
            ("redis://h/1#s3cr3t", "redis://h/1#****"),
        ])
    func masksMore(url: String, redacted: String) {
        #expect(Redaction.redactURL(url) == redacted)
        #expect(!Redaction.redactURL(url).contains("s3cr3t"))
    }

    @Test(
        "a bucket URL loses all of its user information and every query value",
        arguments: [
            ("http://AKIA:s3cr3t@127.0.0.1:9000/b", "http://****@127.0.0.1:9000/b"),
            ("https://s3cr3t@s3.example.com/b", "https://****@s3.example.com/b"),
            (
                "https://s3.example.com/b?X-Amz-Credential=AKIA&X-Amz-Signature=s3cr3t",
                "https://s3.example.com/b?X-Amz-Credential=****&X-Amz-Signature=****"
            ),
            ("http://127.0.0.1:9000/b", "http://127.0.0.1:9000/b"),
            ("not a url", "not a url"),
        ])
    func redactsBucket(url: String, redacted: String) {
        #expect(Redaction.redactBucketURL(url) == redacted)
    }

    @Test(
        "secret-looking parameter names",
        arguments: [
            ("password", true), ("_auth_pass", true), ("sslpassword", true), ("X-Amz-Signature", true), ("token", true),
            ("sslmode", false), ("search_path", false), ("dial-timeout", false),
        ])
    func secretParameter(name: String, secret: Bool) {
        #expect(Redaction.isSecretParameter(name) == secret)
    }
}

@Suite("HostPath")
struct HostPathTests {
    @Test(
        "normalize removes repeated and trailing slashes and refuses relative, dotted or NUL paths",
        arguments: [
            ("/", "/"), ("//", "/"), ("/a//b/", "/a/b"), ("/a/b", "/a/b"), ("/a/..b", "/a/..b"), ("/a/b.", "/a/b."),
            ("a/b", nil), ("", nil), ("/a/./b", nil), ("/a/../b", nil), ("/..", nil), ("/.", nil), ("/a\0b", nil),
        ] as [(String, String?)])
    func normalize(path: String, normalized: String?) {
        #expect(HostPath.normalize(path) == normalized)
    }

    @Test(
        "isWithin is true for the path itself and paths below it, not for a shared name prefix",
        arguments: [
            ("/a/b", "/a", true), ("/a", "/a", true), ("/ab", "/a", false), ("/a", "/a/b", false),
            ("/anything", "/", true), ("/", "/", true), ("/a/b/c", "/a/b", true),
        ])
    func isWithin(path: String, ancestor: String, within: Bool) {
        #expect(HostPath.isWithin(path, ancestor) == within)
    }

    @Test(
        "join puts a volume path under the mount point",
        arguments: [
            ("/mnt", "/", "/mnt"), ("/mnt", "/active/fs", "/mnt/active/fs"),
        ])
    func join(mount: String, volumePath: String, joined: String) {
        #expect(HostPath.join(mount, volumePath) == joined)
    }
}

@Suite("DidYouMean")
struct DidYouMeanTests {
    static let keys = ["path", "cacheDir", "cacheSize", "writeback", "uploadDelay", "options"]

    @Test(
        "a likely typo or other spelling gets the closest key",
        arguments: [
            ("cachSize", "cacheSize"), ("CACHESIZE", "cacheSize"), ("cache_dir", "cacheDir"), ("writebak", "writeback"),
            ("optoins", "options"), ("pth", "path"),
        ])
    func suggests(word: String, suggestion: String) {
        #expect(DidYouMean.suggestion(for: word, among: Self.keys) == suggestion)
    }

    @Test("a word far from every key gets no suggestion", arguments: ["colour", "zzzzzzzz", "x"])
    func noSuggestion(word: String) {
        #expect(DidYouMean.suggestion(for: word, among: Self.keys) == nil)
    }

    @Test("distance is the Levenshtein distance")
    func distance() {
        #expect(DidYouMean.distance("kitten", "sitting") == 3)
        #expect(DidYouMean.distance("", "abc") == 3)
        #expect(DidYouMean.distance("same", "same") == 0)
    }
}
