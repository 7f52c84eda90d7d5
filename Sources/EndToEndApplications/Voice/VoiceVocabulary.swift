/// The classes, words and voices of the voice application: the ten command words of the
/// Speech Commands benchmark (Warden 2018), "unknown" words and silence.
public enum VoiceVocabulary {
    /// The command words, classes 0–9.
    public static let commands = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
    /// Words of the "unknown" class (Speech Commands' auxiliary words).
    public static let unknownWords = ["bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow"]
    /// Every class name in label order: the commands, then `unknown` (10) and `silence` (11).
    public static let classNames = commands + ["unknown", "silence"]
    public static let unknownClass = 10, silenceClass = 11
    public static var classCount: Int { classNames.count }

    /// espeak-ng English voices (accents) and voice variants the training set is spoken in:
    /// each voice is `accent+variant`.
    public static let trainingAccents = ["en-gb", "en-us", "en-gb-x-rp", "en-029", "en-gb-x-gbclan"]
    public static let trainingVariants = ["m1", "m3", "f1", "f4"]
    /// Accents and variants never heard in training: the shifted test set's voices.
    public static let heldOutAccents = ["en-gb-scotland", "en-us-nyc", "en-gb-x-gbcwmd"]
    public static let heldOutVariants = ["m6", "f3"]

    public static var trainingVoices: [String] { trainingAccents.flatMap { a in trainingVariants.map { a + "+" + $0 } } }
    public static var heldOutVoices: [String] { heldOutAccents.flatMap { a in heldOutVariants.map { a + "+" + $0 } } }

    /// espeak-ng speeds (words per minute) and pitches (0–99) clips are drawn from.
    public static let speeds = [130, 150, 170, 190, 210]
    public static let pitches = [30, 40, 50, 60, 70]
}
