import Logging

/// The fallbacks for photos in which the first pass found no face, MMOD's look for
/// turned faces beside the ones HOG found, and MMOD kept within its pixel budget.
///
/// A person asking to be enrolled or recognised from a photo should not be told "no
/// face" while a detector could still find one: HOG misses faces smaller than its
/// window and faces turned more than about 30°. The fallbacks run only when the first
/// pass found nothing (a photo with faces costs nothing more) and only for photos
/// (`DetectionOptions.fallback`; the door's frames never take them): first HOG with
/// one more doubling (faces half as wide), within `DetectionPlan.retryPixelBudget`;
/// then dlib's MMOD CNN, which finds turned faces, within `mmodPixelBudget`.
///
/// A dark photo (mean luma under `LowLightEnhancer.darkPhotoLuma`: a phone photo
/// taken in a club) takes HOG, then MMOD, on its low-light enhanced copy instead of the
/// retry and MMOD on the original: on
/// ../shared/faces/lowlight MMOD finds no face in the originals and 7 of 8 in the
/// enhanced copies, HOG 1 and 4 (`facegate bench lowlight --labels …`). The faces
/// are then aligned and described in the enhanced copy, as the door describes the
/// faces of its enhanced frames (`LocatedFaces.image`). A photo larger than HOG's
/// working size is enhanced (and its faces described) at that size.
extension FaceEngine {
    func detectWithFallbacks(in image: RGBImage, options: DetectionOptions) throws(FaceEngineError) -> LocatedFaces {
        let first = options.smallestFace(width: image.width, height: image.height, mmod: false)
        let retry = DetectionPlan(
            width: image.width, height: image.height, smallestFace: max(1, first / 2), pixelBudget: DetectionPlan.retryPixelBudget)
        // A dark photo skips the plain retry: HOG finds next to nothing in the dark at
        // any scale, and the enhanced copy comes next (on a 13-megapixel photo the retry
        // alone took 0.7 s). A retry that would not find smaller faces (the budget is
        // already spent) is skipped too.
        let dark = LowLightEnhancer.lumaHistogram(image).mean < LowLightEnhancer.darkPhotoLuma
        if !dark && retry.smallestFace < first {
            let boxes = try detectWithHOG(in: image, plan: retry).map { $0.found(by: .hogRetry) }
            logger.debug("detection fallback", metadata: ["pass": "hog-retry", "faces": "\(boxes.count)"])
            if !boxes.isEmpty {
                return LocatedFaces(boxes: boxes + (try turnedFaces(beside: boxes, in: image, options: options)), image: image)
            }
        }
        let mmodFace = options.smallestFace(width: image.width, height: image.height, mmod: true)
        let enhancer = LowLightEnhancer(threshold: LowLightEnhancer.darkPhotoLuma)
        // A large photo is enhanced at the size HOG scans it at, not at full resolution
        // (a 13-megapixel photo took seconds): its faces are found and described there.
        if dark, let plan = options.plan(width: image.width, height: image.height), plan.isDownscaled {
            let working = try image.downscaled(toWidth: plan.workingWidth, height: plan.workingHeight)
            guard let enhanced = enhancer.enhance(working) else {
                return LocatedFaces(boxes: try detectWithMMOD(in: image, smallestFace: mmodFace), image: image)
            }
            var boxes = try run(.hog, on: enhanced, upsample: plan.upsample, scale: 1).map { $0.found(by: .hogEnhanced) }
            logger.debug("detection fallback", metadata: ["pass": "hog-enhanced", "faces": "\(boxes.count)"])
            if boxes.isEmpty {
                let scale = Double(plan.workingWidth) / Double(plan.imageWidth)
                boxes = try detectWithMMOD(in: enhanced, smallestFace: max(1, Int(Double(mmodFace) * scale)))
                    .map { $0.found(by: .cnnEnhanced) }
                logger.debug("detection fallback", metadata: ["pass": "cnn-enhanced", "faces": "\(boxes.count)"])
            }
            return LocatedFaces(boxes: boxes.map(plan.mapToOriginal), image: enhanced, plan: plan)
        }
        if dark, let enhanced = enhancer.enhance(image) {
            let hog = try firstPass(in: enhanced, options: options).map { $0.found(by: .hogEnhanced) }
            logger.debug("detection fallback", metadata: ["pass": "hog-enhanced", "faces": "\(hog.count)"])
            if !hog.isEmpty { return LocatedFaces(boxes: hog, image: enhanced) }
            let cnn = try detectWithMMOD(in: enhanced, smallestFace: mmodFace).map { $0.found(by: .cnnEnhanced) }
            logger.debug("detection fallback", metadata: ["pass": "cnn-enhanced", "faces": "\(cnn.count)"])
            return LocatedFaces(boxes: cnn, image: enhanced)
        }
        let boxes = try detectWithMMOD(in: image, smallestFace: mmodFace)
        logger.debug("detection fallback", metadata: ["pass": "cnn", "faces": "\(boxes.count)"])
        return LocatedFaces(boxes: boxes, image: image)
    }

    /// The faces MMOD finds in a photo beside the ones HOG's first pass found: HOG
    /// misses faces turned more than about 30°, so in a photo of a frontal face and a
    /// turned one only the frontal one was found, and a photo's subject turned aside
    /// behind a frontal passer-by was described as the passer-by. Photos only
    /// (`DetectionOptions.fallback`): MMOD within its pixel budget costs too much for
    /// every camera frame. A box of MMOD's that overlaps one of HOG's (by
    /// `sameFaceOverlap`, or holds its centre) is the same face, and HOG's is kept.
    func turnedFaces(beside found: [FaceBox], in image: RGBImage, options: DetectionOptions) throws(FaceEngineError) -> [FaceBox] {
        let mmodFace = options.smallestFace(width: image.width, height: image.height, mmod: true)
        let turned = try detectWithMMOD(in: image, smallestFace: mmodFace).filter { box in
            !found.contains { Self.sameFace($0, box) }
        }
        logger.debug("detection beside", metadata: ["pass": "cnn", "faces": "\(turned.count)"])
        return turned
    }

    /// Overlap (intersection over union) from which two detectors' boxes are one face:
    /// MMOD's boxes are tighter than HOG's, so the same face overlaps by about 0.5-0.7.
    static let sameFaceOverlap = 0.3

    /// Whether two boxes from different detectors are the same face.
    static func sameFace(_ a: FaceBox, _ b: FaceBox) -> Bool {
        func holds(_ box: FaceBox, _ x: Double, _ y: Double) -> Bool {
            Double(box.left) <= x && x <= Double(box.right) && Double(box.top) <= y && y <= Double(box.bottom)
        }
        return a.intersectionOverUnion(b) >= sameFaceOverlap || holds(a, b.centerX, b.centerY) || holds(b, a.centerX, a.centerY)
    }

    /// MMOD on the photo downscaled so that it works on at most `mmodPixelBudget`
    /// pixels (upsampled when the smallest face asks for it and the budget allows);
    /// boxes are mapped back to `image`.
    func detectWithMMOD(in image: RGBImage, smallestFace: Int) throws(FaceEngineError) -> [FaceBox] {
        let plan = DetectionPlan(
            width: image.width, height: image.height, smallestFace: smallestFace, pixelBudget: DetectionPlan.mmodPixelBudget,
            window: DetectionPlan.mmodWindow, fullSizeWithinBudget: true)
        logger.debug(
            "mmod planned",
            metadata: [
                "image": "\(plan.imageWidth)x\(plan.imageHeight)", "working": "\(plan.workingWidth)x\(plan.workingHeight)",
                "upsample": "\(plan.upsample)", "smallest_face_px": "\(plan.smallestFace)",
            ])
        guard plan.isDownscaled else { return try run(.cnn, on: image, upsample: plan.upsample, scale: 1) }
        let working = try image.downscaled(toWidth: plan.workingWidth, height: plan.workingHeight)
        return try run(.cnn, on: working, upsample: plan.upsample, scale: 1).map(plan.mapToOriginal)
    }
}

extension DetectionOptions {
    /// The narrowest face, in the original's pixels, these options ask to find in an
    /// image of this size: with a planned resolution the plan's (HOG) or the requested
    /// smallest face (MMOD, which has its own budget); with a fixed one, the detector's
    /// window at the asked scale and doublings.
    func smallestFace(width: Int, height: Int, mmod: Bool) -> Int {
        let window = mmod ? DetectionPlan.mmodWindow : DetectionPlan.window
        switch resolution {
        case .planned(let smallestFace, _):
            if mmod { return smallestFace }
            return plan(width: width, height: height)?.smallestFace ?? smallestFace
        case .fixed:
            let factor = Double(1 << upsample) * (mmod ? 1 : hogScale)
            return max(1, Int((Double(window) / factor).rounded(.up)))
        }
    }
}
