/// Every application `e2e app` knows, by name.
public enum ApplicationRegistry {
    /// In the order `--list` shows them.
    public static let all: [any Application] = [
        VoiceApplication(),
        FacesApplication(),
        DrivingApplication(),
        DiagnosisApplication(),
        MaintenanceApplication(),
        TextApplication(),
        RecommendApplication(),
        FraudApplication(),
    ]

    public static var names: [String] { all.map(\.name) }

    public static func application(named name: String) -> (any Application)? {
        all.first { $0.name == name }
    }
}
