import FaceEngine
import FacegateTestSupport
import Testing

@Suite("Detection plan", .perTestLimit)
struct DetectionPlanTests {
    /// Photo sizes from a thumbnail to a 50-megapixel camera, portrait and landscape.
    static let sizes: [(Int, Int)] = [
        (150, 150), (320, 240), (500, 375), (640, 480), (1280, 886), (1434, 2333), (2280, 1588), (4000, 3000), (3000, 4000),
        (4032, 3024), (6000, 4000), (7360, 4912), (8660, 5773),
    ]
    static let smallestFaces = [20, 40, 60, 80, 100, 150, 240, 400]

    @Test("every face at least the smallest face asked for fills HOG's window, whatever the photo")
    func everyFaceStaysDetectable() {
        for (width, height) in Self.sizes {
            for face in Self.smallestFaces {
                let plan = DetectionPlan(width: width, height: height, smallestFace: face)
                let reached = Double(plan.workingWidth) / Double(width) * Double(1 << plan.upsample)
                // A face of `face` px becomes at least the 80 px window at the finest level.
                #expect(Double(face) * reached >= Double(DetectionPlan.window) - 1e-6, "\(plan) for \(face) px")
                #expect(plan.smallestFace <= face, "\(plan) for \(face) px")
            }
        }
    }

    @Test("no plan scans much more than the smallest face needs, beyond keeping an upsampled photo whole")
    func fewestPixels() {
        for (width, height) in Self.sizes {
            for face in Self.smallestFaces where face >= 10 {
                let plan = DetectionPlan(width: width, height: height, smallestFace: face)
                let needed = Double(width * height) * pow2(Double(DetectionPlan.window) / Double(face))
                if plan.upsample > 0 && !plan.isDownscaled {
                    // Kept whole rather than shrunk and doubled: at most one doubling more
                    // than the face needs, four times its pixels.
                    #expect(Double(plan.scannedPixels) <= needed * 4.01, "\(plan)")
                } else {
                    // Rounding up to whole pixels and skipping a downscale of under 5% is all the slack.
                    #expect(Double(plan.scannedPixels) <= needed * 1.11 + Double(4 * (width + height) << (2 * plan.upsample)), "\(plan)")
                }
                #expect(plan.workingWidth <= width && plan.workingHeight <= height)
            }
        }
    }

    @Test("a photo that must be doubled is never first shrunk below its own size while it fits the budget")
    func smallPhotoKeptWhole() {
        for (width, height) in Self.sizes {
            for face in Self.smallestFaces {
                for budget in [nil, DetectionPlan.defaultPixelBudget] {
                    let plan = DetectionPlan(width: width, height: height, smallestFace: face, pixelBudget: budget)
                    let wholeFits = width * height << (2 * plan.upsample) <= (budget ?? DetectionPlan.defaultPixelBudget)
                    if plan.upsample > 0 && wholeFits {
                        #expect(!plan.isDownscaled, "\(plan), budget \(budget ?? 0)")
                    }
                }
            }
        }
        // LFW's photos (250 px) and dlib's aligned crops (150 px): doubled whole, faces from 40 px.
        for side in [150, 250] {
            let plan = DetectionPlan(width: side, height: side, smallestFace: 60, pixelBudget: DetectionPlan.defaultPixelBudget)
            #expect(plan.workingWidth == side && plan.upsample == 1 && plan.smallestFace == 40, "\(plan)")
        }
    }

    @Test("MMOD works on a small photo at its full size, and shrinks only what its budget cannot hold")
    func mmodPlans() {
        let small = DetectionPlan(
            width: 250, height: 250, smallestFace: 60, pixelBudget: DetectionPlan.mmodPixelBudget, window: DetectionPlan.mmodWindow,
            fullSizeWithinBudget: true)
        #expect(!small.isDownscaled && small.upsample == 0 && small.smallestFace == DetectionPlan.mmodWindow, "\(small)")
        // Without the flag (HOG's reasoning) the same photo would be shrunk to 167 px.
        let shrunk = DetectionPlan(
            width: 250, height: 250, smallestFace: 60, pixelBudget: DetectionPlan.mmodPixelBudget, window: DetectionPlan.mmodWindow)
        #expect(shrunk.isDownscaled)
        let large = DetectionPlan(
            width: 4000, height: 3000, smallestFace: 60, pixelBudget: DetectionPlan.mmodPixelBudget, window: DetectionPlan.mmodWindow,
            fullSizeWithinBudget: true)
        #expect(large.isDownscaled && large.scannedPixels <= DetectionPlan.mmodPixelBudget, "\(large)")
    }

    @Test("with a pixel budget HOG never scans more than the budget, and still finds faces the budget allows")
    func pixelBudgetBoundsTheWork() {
        for (width, height) in Self.sizes {
            for face in Self.smallestFaces {
                for budget in [1_000_000, DetectionPlan.defaultPixelBudget, 16_000_000] {
                    let plan = DetectionPlan(width: width, height: height, smallestFace: face, pixelBudget: budget)
                    #expect(plan.scannedPixels <= budget, "\(plan), budget \(budget)")
                    let unbounded = DetectionPlan(width: width, height: height, smallestFace: face)
                    if unbounded.scannedPixels <= budget {
                        // A budget the plan fits finds every face it finds (more, when the
                        // budget lets a photo that must be doubled stay whole).
                        #expect(plan.smallestFace <= unbounded.smallestFace, "the budget cost faces: \(plan) against \(unbounded)")
                    } else if plan != unbounded {
                        // The face found grows only as much as the budget forces.
                        #expect(plan.smallestFace >= face)
                        let reached = Double(plan.workingWidth) / Double(width) * Double(1 << plan.upsample)
                        #expect(Double(plan.smallestFace) * reached >= Double(DetectionPlan.window) - 1e-6)
                    }
                }
            }
        }
    }

    @Test("a 36-megapixel photo is downscaled without upsampling and finds faces a twentieth of its height")
    func largePhoto() {
        let plan = DetectionPlan(
            width: 7360, height: 4912, smallestFace: DetectionPlan.defaultSmallestFace, pixelBudget: DetectionPlan.defaultPixelBudget)
        #expect(plan.upsample == 0)
        #expect(plan.isDownscaled)
        #expect(plan.scannedPixels <= DetectionPlan.defaultPixelBudget)
        #expect((240...242).contains(plan.smallestFace))
    }

    @Test("faces from 60 px in a small photo: upsampled once at its own size, which finds faces from 40 px")
    func smallPhoto() {
        let plan = DetectionPlan(width: 500, height: 375, smallestFace: 60, pixelBudget: DetectionPlan.defaultPixelBudget)
        #expect(plan.upsample == 1)
        #expect(plan.workingWidth == 500 && plan.workingHeight == 375)
        #expect(plan.smallestFace == 40)
    }

    @Test("a photo too large to double whole still finds its smallest faces shrunk and doubled, within the budget")
    func mediumPhoto() {
        // 1.5 x 1.5 k: doubled whole it would scan 9 megapixels.
        let plan = DetectionPlan(width: 1500, height: 1500, smallestFace: 60, pixelBudget: DetectionPlan.defaultPixelBudget)
        #expect(plan.upsample == 1 && plan.isDownscaled && plan.scannedPixels <= DetectionPlan.defaultPixelBudget, "\(plan)")
        #expect(plan.smallestFace == 60)
    }

    @Test("when the smallest face is the window's size the photo is scanned as it is")
    func windowSizedFace() {
        let plan = DetectionPlan(width: 1280, height: 886, smallestFace: 80)
        #expect(plan.workingWidth == 1280 && plan.workingHeight == 886 && plan.upsample == 0)
        #expect(!plan.isDownscaled)
    }

    @Test("boxes found on the working image map back onto the original's pixels")
    func mapsBoxesBack() {
        let plan = DetectionPlan(width: 4000, height: 3000, smallestFace: 320)  // scanned at a quarter
        #expect(plan.workingWidth == 1000 && plan.workingHeight == 750)
        let box = plan.mapToOriginal(FaceBox(left: 100, top: 50, right: 179, bottom: 129, confidence: 1.5))
        #expect(box == FaceBox(left: 400, top: 200, right: 719, bottom: 519, confidence: 1.5))
    }

    @Test("photo options plan the resolution unless an upsample is given")
    func photoOptions() {
        #expect((240...242).contains(DetectionOptions.photo().plan(width: 7360, height: 4912)?.smallestFace ?? 0))
        #expect(DetectionOptions.photo(minFace: 60).plan(width: 7360, height: 4912)?.smallestFace == 60)
        #expect(DetectionOptions.photo(minFace: 60).minFaceSize == 60)
        #expect(DetectionOptions.photo().minFaceSize == nil)
        #expect(DetectionOptions.photo(upsample: 1).plan(width: 7360, height: 4912) == nil)
        #expect(DetectionOptions().plan(width: 7360, height: 4912) == nil)
    }

    @Test("MMOD's pixel budget fits the memory the process may use: a third of it, at 1.1 KB a pixel, at most half a megapixel")
    func mmodBudgetFitsTheBoard() {
        #expect(DetectionPlan.mmodBudget(availableBytes: 1 << 30) == 325_376, "a 1 GiB board")
        #expect(DetectionPlan.mmodBudget(availableBytes: 2 << 30) == 500_000)
        #expect(DetectionPlan.mmodBudget(availableBytes: 24 << 30) == 500_000)
        #expect(DetectionPlan.mmodBudget(availableBytes: 64 << 20) == 100_000, "never below what finds a face at all")
        #expect(DetectionPlan.mmodBudget(availableBytes: nil) == 500_000)
        #expect(DetectionPlan.mmodPixelBudget <= 500_000 && DetectionPlan.mmodPixelBudget >= 100_000)
        #expect((MachineMemory.availableBytes ?? 0) > 0, "this machine's memory is read")
    }

    private func pow2(_ value: Double) -> Double { value * value }
}
