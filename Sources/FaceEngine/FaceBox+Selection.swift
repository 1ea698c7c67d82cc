extension FaceBox {
    /// The box whose centre is nearest the centre of a `width` x `height` image: the
    /// face a photographer framed, when a photo has several. Centres are those of the
    /// boxes clipped to the image, as they are reported. Nil when `boxes` is empty.
    public static func nearestCenter(of boxes: [FaceBox], width: Int, height: Int) -> FaceBox? {
        let centerX = Double(width - 1) / 2, centerY = Double(height - 1) / 2
        func squaredDistance(_ box: FaceBox) -> Double {
            let clipped = box.clipped(width: width, height: height)
            let dx = clipped.centerX - centerX, dy = clipped.centerY - centerY
            return dx * dx + dy * dy
        }
        return boxes.min { squaredDistance($0) < squaredDistance($1) }
    }
}
