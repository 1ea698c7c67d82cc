public import FaceEngine
import FacegateCore

extension ApplianceOperations {
    /// Runs `body` with `image` decoded, its pixels read from its header first and
    /// counted against the photo budget (`PixelBudget`) until `body` returns: a photo
    /// over `PixelBudget.photoPixels` is refused before a pixel is decoded, and one that
    /// would pass the budget in flight waits for room, then is refused as busy.
    func withDecodedPhoto<T>(_ image: ImageSource, _ body: (RGBImage) throws -> T) throws -> T {
        let source = try image.inMemory()
        let (width, height) = try source.dimensions()
        let pixels = width * height
        guard pixels <= PixelBudget.photoPixels else {
            let megapixels = (Double(pixels) / 100_000).rounded() / 10
            throw OperationError(
                .photoTooLarge,
                "'\(image.name)' is \(width)x\(height) pixels (\(megapixels) megapixels); photos for enrolment and identification have at most \(PixelBudget.photoPixels / 1_000_000) megapixels: resize it (a face needs a few hundred pixels) and send it again"
            )
        }
        guard photoBudget.reserve(pixels) else {
            throw OperationError(
                .busy, "the appliance is processing as many photos as its memory allows; send '\(image.name)' again in a few seconds")
        }
        defer { photoBudget.release(pixels) }
        return try body(try source.decode(with: decoder))
    }
}
