/// The version the binary reports (`facegate --version`, `status`).
public enum FacegateVersion {
    public static let current = "0.1.0"
}
