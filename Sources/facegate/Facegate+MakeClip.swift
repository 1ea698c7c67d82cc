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
                passer-by). Without FACE_PX the whole photo is fitted into the frame. blank:SECONDS is an \
                empty grey frame. This writes a \
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
                    // The photo, scaled so that its face is the asked width, and where that face's centre is in it.
                    var placed: (image: RGBImage, faceX: Double, faceY: Double)?
                    if let path = scene.path {
                        let photo = try ImageDecoder().decode(file: path)
                        if let facePixels = scene.facePixels {
                            guard
                                let face = try engine.detect(in: photo, options: DetectionOptions(upsample: 1)).max(by: {
                                    $0.area < $1.area
                                })
                            else {
                                throw CommandError(.invalidArgument, "scene '\(text)': no face found to scale to \(facePixels) px")
                            }
                            let scale = Double(facePixels) / Double(face.width)
                            let scaled = FrameComposer.resized(
                                photo, width: max(1, Int(Double(photo.width) * scale)), height: max(1, Int(Double(photo.height) * scale)))
                            placed = (scaled, face.centerX * scale, face.centerY * scale)
                        } else {
                            let fitted = FrameComposer.fitted(photo, width: width, height: height)
                            placed = (fitted, Double(fitted.width) / 2, Double(fitted.height) / 2)
                        }
                    }
                    var still: RGBImage?
                    for index in 0..<count {
                        if scene.to == nil, let still {
                            try writer.append(still)
                        } else {
                            let frame = FrameComposer.canvas(width: width, height: height)
                            if let placed {
                                let point = scene.position(at: count > 1 ? Double(index) / Double(count - 1) : 0)
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
