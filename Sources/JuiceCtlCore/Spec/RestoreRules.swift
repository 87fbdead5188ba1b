/// The limits of the `restore` section's own settings, read by the spec format (``SpecFormat``) and the builder.
enum RestoreRules {
    /// The range of `restore.grace`: from no wait at all (SIGKILL right after SIGTERM) to an hour.
    static let grace = TimeSpan.zero...TimeSpan.seconds(3600)
}
