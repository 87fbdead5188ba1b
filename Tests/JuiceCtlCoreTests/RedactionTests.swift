import Testing
@testable import JuiceCtlCore

@Suite("Redaction")
struct RedactionTests {
    @Test("the password of a URL is replaced by ****", arguments: [
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

    @Test("URLs without a password are left as they are", arguments: [
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
}

@Suite("HostPath")
struct HostPathTests {
    @Test("normalize removes repeated and trailing slashes and refuses relative, dotted or NUL paths", arguments: [
        ("/", "/"), ("//", "/"), ("/a//b/", "/a/b"), ("/a/b", "/a/b"), ("/a/..b", "/a/..b"), ("/a/b.", "/a/b."),
        ("a/b", nil), ("", nil), ("/a/./b", nil), ("/a/../b", nil), ("/..", nil), ("/.", nil), ("/a\0b", nil),
    ] as [(String, String?)])
    func normalize(path: String, normalized: String?) {
        #expect(HostPath.normalize(path) == normalized)
    }

    @Test("isWithin is true for the path itself and paths below it, not for a shared name prefix", arguments: [
        ("/a/b", "/a", true), ("/a", "/a", true), ("/ab", "/a", false), ("/a", "/a/b", false),
        ("/anything", "/", true), ("/", "/", true), ("/a/b/c", "/a/b", true),
    ])
    func isWithin(path: String, ancestor: String, within: Bool) {
        #expect(HostPath.isWithin(path, ancestor) == within)
    }

    @Test("join puts a volume path under the mount point", arguments: [
        ("/mnt", "/", "/mnt"), ("/mnt", "/active/fs", "/mnt/active/fs"),
    ])
    func join(mount: String, volumePath: String, joined: String) {
        #expect(HostPath.join(mount, volumePath) == joined)
    }
}

@Suite("DidYouMean")
struct DidYouMeanTests {
    static let keys = ["path", "cacheDir", "cacheSize", "writeback", "uploadDelay", "options"]

    @Test("a likely typo or other spelling gets the closest key", arguments: [
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
