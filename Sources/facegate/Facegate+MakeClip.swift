import ArgumentParser
import Edge
import FaceEngine
import FacegateCore
import FacegateTools
import Logging

extension Facegate {
    /// Builds a Y4M clip from still photos, for demos and tests.
    struct MakeClip: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "make-clip",
            abstract: "Write a Y4M video made of still photos, for demos and tests.",
            discussion: """
                Each SCENE is PATH:SECONDS[:FACE_PX[:X,Y[:X2,Y2]]]. With FACE_PX the photo is scaled so \
                that its largest face is FACE_PX wide, its centre at X,Y (fractions of the frame; default \
                0.5,0.5: a person at the door); with X2,Y2 the face moves there over the scene (a \
                passer-by). FACE_PX written A-B grows the face from A to B pixels over the scene, as it \
                does when someone walks towards the camera at a steady pace. Without FACE_PX the whole \
                photo is fitted into the frame. blank:SECONDS is an empty grey frame. This writes a \
                video file because you ask it to; the appliance itself never writes frames.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The video to create (never overwritten).", valueName: "FILE"))
        var output: String

        @Option(help: ArgumentHelp("Frame size.", valueName: "WxH"))
        var size: String = "640x480"

        @Option(help: "Frames per second.")
        var fps: Int = 15

        @Option(help: "Scale every frame's brightness to this (0-1, with noise of 8 grey levels): a door at night.")
        var brightness: Double = 1

        @Argument(help: ArgumentHelp("Scenes, in order.", valueName: "SCENE"))
        var scenes: [String]

        func run() async throws {
            try await runReportingErrors(json: false) {
                let parts = size.split(separator: "x").compactMap { Int($0) }
                guard parts.count == 2, parts[0] >= 64, parts[1] >= 64, fps > 0 else {
                    throw CommandError(.invalidArgument, "--size must be WIDTHxHEIGHT (at least 64x64) and --fps positive")
                }
                guard brightness > 0 && brightness <= 1 else {
                    throw CommandError(.invalidArgument, "--brightness must be above 0 and at most 1")
                }
                // A darkened frame with the same noise seed each time: still scenes stay still.
                func lit(_ frame: RGBImage) -> RGBImage {
                    brightness < 1 ? FrameComposer.darkened(frame, brightness: brightness, noise: 8, seed: 1) : frame
                }
                let (width, height) = (parts[0], parts[1])
                let engine = try FaceEngine(models: try global.locateModels(), logger: global.makeLogger())
                let writer: Y4MWriter
                writer = try Y4MWriter(path: output, width: width, height: height, fps: fps)
                var frames = 0
                for text in scenes {
                    let scene = try ClipScene(parsing: text)
                    let count = max(1, Int((scene.seconds * Double(fps)).rounded()))
                    // The photo, and its largest face (found once), to scale to the asked width.
                    var photo: RGBImage?
                    var face: FaceBox?
                    if let path = scene.path {
                        let decoded = try ImageDecoder().decode(file: path)
                        photo = decoded
                        if let facePixels = scene.facePixels {
                            face = try engine.detect(in: decoded, options: DetectionOptions(upsample: 1)).max(by: { $0.area < $1.area })
                            if face == nil {
                                throw CommandError(.invalidArgument, "scene '\(text)': no face found to scale to \(facePixels) px")
                            }
                        }
                    }
                    // The photo scaled so that its face is `pixels` wide, and where that face's centre is in it.
                    var scaledCache: (pixels: Int, placed: (image: RGBImage, faceX: Double, faceY: Double))?
                    func placed(at progress: Double) -> (image: RGBImage, faceX: Double, faceY: Double)? {
                        guard let photo else { return nil }
                        guard let face, let pixels = scene.facePixels(at: progress) else {
                            let fitted = FrameComposer.fitted(photo, width: width, height: height)
                            return (fitted, Double(fitted.width) / 2, Double(fitted.height) / 2)
                        }
                        if let cached = scaledCache, cached.pixels == pixels { return cached.placed }
                        let scale = Double(pixels) / Double(face.width)
                        let scaled = FrameComposer.resized(
                            photo, width: max(1, Int(Double(photo.width) * scale)), height: max(1, Int(Double(photo.height) * scale)))
                        let result = (scaled, face.centerX * scale, face.centerY * scale)
                        scaledCache = (pixels, result)
                        return result
                    }
                    var still: RGBImage?
                    for index in 0..<count {
                        if scene.isStill, let still {
                            try writer.append(still)
                        } else {
                            let frame = FrameComposer.canvas(width: width, height: height)
                            let progress = count > 1 ? Double(index) / Double(count - 1) : 0
                            if let placed = placed(at: progress) {
                                let point = scene.position(at: progress)
                                FrameComposer.place(
                                    placed.image, on: frame, x: Int(point.x * Double(width) - placed.faceX),
                                    y: Int(point.y * Double(height) - placed.faceY))
                            }
                            let shown = lit(frame)
                            try writer.append(shown)
                            still = shown
                        }
                        frames += 1
                    }
                }
                try writer.finish()
                CommandOutput.line("wrote \(output): \(frames) frames, \(width)x\(height) at \(fps) fps")
            }
        }
    }
}
