import Testing

@testable import JuiceCtlCore

@Suite("Spec revision")
struct SpecRevisionTests {
    @Test("the same content gives the same revision, in any file")
    func stable() throws {
        let a = try SpecFixture.spec(file: "a.yaml")
        let b = try SpecFixture.spec(file: "elsewhere/b.yaml")
        #expect(a.origin.revision == b.origin.revision)
        #expect(a.origin.revision == (try SpecFixture.spec(file: "a.yaml")).origin.revision)
    }

    @Test(
        "a change of content changes the revision",
        arguments: [
            SpecFixture.yaml("quotas: []\n"),
            SpecFixture.yaml("mount:\n  cacheSize: 10GiB\n"),
            SpecFixture.yaml("format:\n  trashDays: 1\n"),
            "version: 1\nname: demo2\nbaseDir: /srv/demo\n",
            "version: 1\nname: demo\nbaseDir: /srv/demo2\n",
        ])
    func changesWithContent(yaml: String) throws {
        let base = try SpecFixture.spec()
        let changed = try SpecFixture.spec(yaml)
        #expect(changed.origin.revision != base.origin.revision)
    }

    @Test("comments, blank lines, key order and quoting do not change the revision")
    func ignoresPresentation() throws {
        let base = try SpecFixture.spec()
        let reformatted = try SpecFixture.spec(
            """
            # A volume.
            baseDir: "/srv/demo"   # where it lives

            name: 'demo'
            version: 1
            # end

            """)
        #expect(reformatted.origin.revision == base.origin.revision)
    }

    @Test("a later document's revision does not depend on its position")
    func independentOfPosition() throws {
        let result = SpecLoader().load(
            text: "version: 1\nname: other\nbaseDir: /srv/other\n---\n" + SpecFixture.minimalYAML, file: "x.yaml")
        let second = try #require(result.specs.last)
        #expect(second.origin.document == 1)
        #expect(second.origin.revision == (try SpecFixture.spec()).origin.revision)
    }
}
