import ArgumentParser

/// The spec files a command reads: files, or directories whose `*.yaml` and `*.yml` files are read.
struct SpecFiles: ParsableArguments {
    @Argument(help: "Spec files or directories.")
    var paths: [String]
}
