/// The resolution HOG works at for one photo: a downscale and an upsample count chosen
/// from the photo's size and the smallest face worth finding in it.
///
/// HOG's window is 80 px: at upsample 0 it finds faces of about 80 px and larger, and
/// each doubling halves that. Its cost grows with the pixels it scans. So a face of
/// `smallestFace` px in the original is found whenever the photo is scanned at
/// `80 / smallestFace` of its size, and scanning at more than that only buys faces
/// nobody asked for: a 36-megapixel portrait scanned at full size with one upsample
/// (the reference's default) scans 144 million pixels to find one face of 800.
///
/// The plan scans the fewest pixels that still fit an `smallestFace` face into the
/// window: it downscales (area averaging) when the photo is larger than that needs,
/// and upsamples only when it must (small photos, small faces). With a pixel budget it
/// never scans more than the budget: on very large photos the smallest face found then
/// grows with the photo (`smallestFace` says how far). Pure arithmetic, no pixels.
///
/// A photo that must be upsampled is never first shrunk below its own size when its
/// full size fits the budget (without one, `defaultPixelBudget`): shrinking a 250 px photo to 167 px and doubling it
/// scans fewer pixels than doubling it whole, but throws away the face's detail first
/// (on LFW's 250 px photos HOG then missed faces the reference finds at full size).
/// MMOD (`fullSizeWithinBudget`) is never shrunk for the smallest face's sake at all,
/// only for its budget: a small photo is its own working image.
public struct DetectionPlan: Sendable, Equatable, CustomStringConvertible {
    /// The side of the HOG window in pixels: the smallest face found at upsample 0.
    public static let window = DetectionOptions.hogWindowSize
    /// The smallest face worth finding in a photo when nobody says: below about 60 px
    /// a face gives a chip upscaled from too few pixels to be recognised reliably.
    public static let defaultSmallestFace = 60
    /// Pixels HOG may scan in one photo when no minimum face size was asked for: about
    /// what the reference's upsample-1 pass costs on a 1-megapixel photo, a fraction of
    /// a second. Photos up to 2.25 megapixels keep finding 60 px faces; a 36-megapixel
    /// photo (7360x4912) finds faces from 240 px, a twentieth of its shorter side.
    public static let defaultPixelBudget = 4_000_000
    /// Pixels HOG may scan in the fallback's second pass (one more doubling, after the
    /// first found no face): twice the first pass's budget, so a retry costs at most
    /// about two first passes.
    public static let retryPixelBudget = 2 * defaultPixelBudget
    /// The smallest face dlib's MMOD detector finds at its working scale: it was
    /// trained with 40x40 px boxes (`dnn_mmod_face_detection_ex`).
    public static let mmodWindow = 40
    /// Pixels MMOD may work on in one photo: half a megapixel, or less on a small
    /// board. Its activations, over a 6-level image pyramid, cost about 1.1 KB per pixel
    /// (a 12-megapixel photo at full size took 8.7 GB; at half a megapixel a `detect`
    /// process peaks at 631 MB, 110 MB of it the process). So MMOD may take a third of
    /// the memory the process may use (`MachineMemory`): 0.33 megapixels on a 1 GiB
    /// board, the full half megapixel from 1.6 GB. Faces from 60 px are still found in
    /// photos up to 2.25 megapixels at the full budget; at 0.33 megapixels MMOD finds 3
    /// of the 6 faces (120 px) of insightface's t1.jpg where it finds all 6 at 0.5 (HOG,
    /// which runs first, finds all 6 either way).
    public static let mmodPixelBudget = mmodBudget(availableBytes: MachineMemory.availableBytes)

    /// MMOD's pixel budget for a process that may use `availableBytes`.
    public static func mmodBudget(availableBytes: Int?) -> Int {
        guard let availableBytes else { return 500_000 }
        return min(500_000, max(100_000, availableBytes / 3 / 1_100))
    }
    /// dlib's HOG accepts at most four doublings.
    public static let maxUpsample = 4
    /// A downscale by less than this fraction is skipped: it saves little scanning and
    /// costs a resampling pass and some sharpness.
    static let negligibleDownscale = 0.95

    public let imageWidth: Int
    public let imageHeight: Int
    /// The size the photo is downscaled to before HOG (the photo's own when not).
    public let workingWidth: Int
    public let workingHeight: Int
    /// Times the working image is doubled (dlib's pyramid_up) before HOG.
    public let upsample: Int
    /// The narrowest face, in the original's pixels, that fills HOG's window under
    /// this plan: every face at least this wide can be found.
    public let smallestFace: Int

    /// Chooses the plan for an image of `width` x `height` that must find every face at
    /// least `smallestFace` px wide; with `pixelBudget`, HOG scans no more than that
    /// many pixels even if the smallest face found must grow. `window` is the smallest
    /// face the detector finds at the working scale: HOG's 80 px, or MMOD's
    /// `mmodWindow`.
    ///
    /// With `fullSizeWithinBudget` (MMOD's plans) a photo whose full size (at the
    /// upsamples needed) fits `pixelBudget` is worked on at full size even when the
    /// smallest face would allow a downscale.
    public init(
        width: Int, height: Int, smallestFace: Int, pixelBudget: Int? = nil, window: Int = Self.window,
        fullSizeWithinBudget: Bool = false
    ) {
        precondition(width > 0 && height > 0, "an image needs a positive size")
        precondition(smallestFace > 0, "the smallest face must be at least 1 pixel")
        precondition(pixelBudget.map { $0 > 0 } ?? true, "a pixel budget must be positive")
        imageWidth = width
        imageHeight = height
        let area = Double(width) * Double(height)
        // The factor the photo must be scanned at: the smallest face maps onto the window.
        var factor = Double(window) / Double(smallestFace)
        var bounded = false
        if let pixelBudget, area * factor * factor > Double(pixelBudget) {
            factor = (Double(pixelBudget) / area).squareRoot()
            bounded = true
        }
        let doublings = factor > 1 ? Int(factor.log2Ceiling) : 0
        upsample = min(Self.maxUpsample, doublings)
        var scale = min(1, factor / Double(1 << upsample))
        if !bounded && scale >= Self.negligibleDownscale { scale = 1 }
        // Shrinking only to double again loses the detail a small face has: when the
        // whole photo, doubled as needed, fits the budget (without one, the default's),
        // it is scanned at full size.
        let fullSizeFits = area * Double(1 << (2 * upsample)) <= Double(pixelBudget ?? Self.defaultPixelBudget)
        if scale < 1 && fullSizeFits && (upsample > 0 || fullSizeWithinBudget) { scale = 1 }
        if scale >= 1 {
            workingWidth = width
            workingHeight = height
        } else if bounded {
            // Rounded down, so the budget holds.
            workingWidth = max(1, Int((Double(width) * scale).rounded(.down)))
            workingHeight = max(1, Int((Double(height) * scale).rounded(.down)))
        } else {
            // Rounded up, so the smallest face still fills the window.
            workingWidth = min(width, Int((Double(width) * scale).rounded(.up)))
            workingHeight = min(height, Int((Double(height) * scale).rounded(.up)))
        }
        let reached = Double(workingWidth) / Double(width) * Double(1 << upsample)
        let found = Int((Double(window) / reached - 1e-9).rounded(.up))
        self.smallestFace = bounded ? found : min(smallestFace, found)
    }

    /// Whether the photo is downscaled before HOG.
    public var isDownscaled: Bool { workingWidth < imageWidth || workingHeight < imageHeight }

    /// The pixels HOG scans at its finest level (after the upsamples).
    public var scannedPixels: Int { (workingWidth * workingHeight) << (2 * upsample) }

    /// Maps a box found on the working image back to the original's pixels (dlib's
    /// convention: right and bottom inclusive, so the far edge is `right + 1`).
    public func mapToOriginal(_ box: FaceBox) -> FaceBox {
        guard isDownscaled else { return box }
        return box.scaled(x: Double(imageWidth) / Double(workingWidth), y: Double(imageHeight) / Double(workingHeight))
    }

    /// Maps a box in the original's pixels onto the working image (the inverse of
    /// `mapToOriginal`, to within a pixel).
    public func mapToWorking(_ box: FaceBox) -> FaceBox {
        guard isDownscaled else { return box }
        return box.scaled(x: Double(workingWidth) / Double(imageWidth), y: Double(workingHeight) / Double(imageHeight))
    }

    /// Maps a landmark on the working image back to the original's pixels: a working
    /// pixel's centre is the centre of the block of original pixels averaged into it.
    public func mapToOriginal(_ point: FaceLandmarks.Point) -> FaceLandmarks.Point {
        guard isDownscaled else { return point }
        let sx = Double(imageWidth) / Double(workingWidth)
        let sy = Double(imageHeight) / Double(workingHeight)
        return FaceLandmarks.Point(x: (point.x + 0.5) * sx - 0.5, y: (point.y + 0.5) * sy - 0.5)
    }

    public var description: String {
        "\(imageWidth)x\(imageHeight) scanned at \(workingWidth)x\(workingHeight), upsample \(upsample), faces from \(smallestFace) px"
    }
}

extension Double {
    /// The smallest n with 2^n ≥ self (self > 1), robust to 2^k computed inexactly.
    fileprivate var log2Ceiling: Double {
        var n = 0.0
        var power = 1.0
        while power < self * (1 - 1e-12) {
            power *= 2
            n += 1
        }
        return n
    }
}

extension FaceBox {
    /// The box with its edges scaled (right and bottom inclusive: the far edge is
    /// `right + 1`), its confidence and pass kept.
    fileprivate func scaled(x sx: Double, y sy: Double) -> FaceBox {
        FaceBox(
            left: Int((Double(left) * sx).rounded()), top: Int((Double(top) * sy).rounded()),
            right: Int((Double(right + 1) * sx).rounded()) - 1, bottom: Int((Double(bottom + 1) * sy).rounded()) - 1,
            confidence: confidence, pass: pass)
    }
}
