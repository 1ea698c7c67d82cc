#if canImport(Glibc)
    import Glibc
#endif

/// The photos in a folder: `.jpg`, `.jpeg` and `.png` files (any case), sorted by
/// path, hidden files skipped. What a slideshow source, `bench images` and
/// `bench lowlight` read.
public enum ImageFileList {
    /// Throws when `directory` is missing, not a directory, or holds no photo.
    /// `recursive` descends into subfolders (at most 8 levels).
    public static func files(in directory: String, recursive: Bool = false) throws(FaceEngineError) -> [String] {
        var info = stat()
        guard stat(directory, &info) == 0 else {
            throw FaceEngineError(.fileNotFound, "the folder '\(directory)' does not exist; pass a folder of JPEG or PNG photos")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw FaceEngineError(.unreadableFile, "'\(directory)' is not a folder; pass a folder of JPEG or PNG photos")
        }
        var files: [String] = []
        guard collect(directory, depth: recursive ? 8 : 0, into: &files) else {
            throw FaceEngineError(
                .unreadableFile, "cannot list the folder '\(directory)': \(String(cString: strerror(errno))); check its permissions")
        }
        guard !files.isEmpty else {
            throw FaceEngineError(.fileNotFound, "the folder '\(directory)' holds no .jpg, .jpeg or .png file")
        }
        return files.sorted()
    }

    /// False when `directory` cannot be opened.
    private static func collect(_ directory: String, depth: Int, into files: inout [String]) -> Bool {
        guard let handle = opendir(directory) else { return false }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix(".") else { continue }
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                if depth > 0 { _ = collect(path, depth: depth - 1, into: &files) }
            } else if (info.st_mode & S_IFMT) == S_IFREG, [".jpg", ".jpeg", ".png"].contains(where: name.lowercased().hasSuffix) {
                files.append(path)
            }
        }
        return true
    }
}
