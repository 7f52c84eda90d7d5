/// The diagnosis report's Markdown: the set-up and the notes on attributions, the shift and calibration.
extension DiagnosisApplication {
    static func setup(plan: Plan, table: BreastCancerTable) -> String {
        """
        **Cell images** (generated from the seed, 40×40 gray, 1–6 nuclei; label from nucleus size, outline \
        irregularity and count plus noise): \(plan.train) training and \(plan.test) test patches; the shifted \
        test set holds the same cases in another stain (nuclei 0.42–0.54 instead of 0.22–0.38, cytoplasm 0.68 instead \
        of 0.74, background 0.78 instead of 0.86, noise 0.04 instead of 0.03).

        - **end-to-end**: a CNN from the pixels (input batch norm, conv 16-ReLU-pool, conv 32-ReLU-pool, conv 32-ReLU, global \
        average pool, linear 32, linear 2), cross-entropy on the label alone, Adam 3e-3, batch 32, \
        \(plan.cnnEpochs) epochs (at least \(plan.cnnMinimumSteps) steps), through the Trainer.
        - **step-by-step** (StepByStepStrategy): the same CNN trunk first trained to predict the pipeline's 8 \
        standardized nucleus features (mean squared error), then frozen while a head (linear 16, ReLU, linear 2) \
        learns the label from the predicted features; the same number of steps as end-to-end, split evenly.
        - **pipeline**: Otsu threshold (256 bins) → 4-connected components (specks < 3 px dropped) → 8 features \
        per image (count, mean and largest area, mean perimeter, mean and largest irregularity 1 − 4πA/P², \
        radial variation, nucleus intensity) → logistic regression (standardized, L2 1e-3, 400 full-batch Adam steps).

        **Breast-cancer table** (\(table.source), 569 × 30): stratified 80/20 split; the shift is the test \
        rows as measured at 1.1× magnification (radius and perimeter × 1.1, area × 1.21).

        - **end-to-end (table)**: an MLP on the raw measurements (batch norm, linear 32, ReLU, linear 2), \
        Adam 3e-3, batch 32, \(plan.mlpEpochs) epochs (at least \(plan.mlpMinimumSteps) steps).
        - **pipeline (table)**: standardization + logistic regression (L2 = 1/N, i.e. scikit-learn's C = 1), \
        400 full-batch Adam steps.

        Metrics: ROC-AUC (headline), sensitivity at 95 % specificity, expected calibration error (10 bins) and \
        accuracy at 0.5. Train seconds: the pipeline's include segmenting and measuring the training images.
        """
    }

    static func notes(picks: [Int], test: CellImages, probabilities: [Float], pipeline: [Float],
                      tableTop: [(String, Double, Double)], scores: [DiagnosisScores], names: [String]) -> String {
        var md = "## Attributions\n\n![attributions](figures/attributions.png)\n\n"
        md += "Rows: test cases \(picks.map(String.init).joined(separator: ", ")) (two malignant, two benign). Columns: the input, the "
        md += "pipeline's segmentation (its readable intermediate), the CNN's gradient × (input − blank slide) and integrated gradients "
        md += "from a blank slide, for the malignant score (red raises it, blue lowers it).\n\n"
        md += "| case | label | true nuclei | CNN P(malignant) | pipeline P(malignant) |\n|---:|---:|---:|---:|---:|\n"
        for i in picks {
            md += "| \(i) | \(test.labels[i]) | \(test.nuclei[i].count) | \(String(format: "%.3f", probabilities[i])) | \(String(format: "%.3f", pipeline[i])) |\n"
        }
        md += "\nTable: the 10 features the MLP leans on most (mean |integrated gradients| from the training mean, scaled to 1) beside the "
        md += "logistic regression's |standardized weight| (scaled to 1):\n\n| feature | MLP | logistic regression |\n|---|---:|---:|\n"
        for (n, a, b) in tableTop { md += "| \(n) | \(String(format: "%.3f", a)) | \(String(format: "%.3f", b)) |\n" }
        md += "\n## The shift\n\n![shift examples](figures/shift_examples.png)\n\nThe same test cases in the training stain (left pair: "
        md += "input, segmentation) and in the other stain (right pair).\n"
        md += "\n## Calibration\n\n| approach | ECE | sensitivity at 95 % specificity | accuracy |\n|---|---:|---:|---:|\n"
        for (k, s) in scores.enumerated() {
            md += "| \(names[k]) | \(String(format: "%.4f", s.expectedCalibrationError)) | \(String(format: "%.4f", s.sensitivityAt95Specificity)) | \(String(format: "%.4f", s.accuracy)) |\n"
        }
        return md
    }
}
