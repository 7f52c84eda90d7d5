import XCTest
import EndToEnd
@testable import EndToEndTraining

/// Expected values are scikit-learn 1.9.1 results (zero_division=0), pasted as literals.
final class MetricsTests: XCTestCase {
    let eps = 1e-12

    // Multi-class case: y_true / y_pred, 3 classes.
    let yTrue = [0, 1, 2, 2, 1, 0, 2, 1, 2, 0]
    let yPred = [0, 2, 2, 2, 1, 1, 0, 1, 1, 2]
    // Zero-division case: class 2 predicted but never true, class 3 true but never predicted.
    let zTrue = [0, 0, 1, 3, 3]
    let zPred = [0, 2, 1, 1, 0]
    // Binary case.
    let bTrue = [0, 1, 1, 0, 1, 0, 1, 1]
    let bScore: [Float] = [0.1, 0.8, 0.4, 0.6, 0.9, 0.3, 0.55, 0.2]
    // Multi-class probabilities.
    let probs: [[Float]] = [[0.1, 0.6, 0.3], [0.2, 0.5, 0.3], [0.5, 0.3, 0.2], [0.3, 0.3, 0.4],
                            [0.5, 0.4, 0.1], [0.6, 0.2, 0.2], [0.45, 0.35, 0.2], [0.1, 0.8, 0.1]]
    let probLabels = [2, 1, 2, 2, 1, 2, 1, 0]

    /// One-hot scores whose argmax is `pred`.
    func oneHot(_ pred: [Int], classes: Int) -> Tensor {
        Tensor(pred.map { p in (0..<classes).map { Float($0 == p ? 1 : 0) } })
    }

    func assertClose(_ a: Double, _ b: Double, _ msg: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a, b, accuracy: eps, msg, file: file, line: line)
    }

    // MARK: Accuracy

    func testAccuracyMulticlassLogitsAndPredictions() throws {
        let acc = Accuracy()
        try acc.update(oneHot(yPred, classes: 3), labels: IntTensor(yTrue))
        assertClose(acc.compute(), 0.5)
        let acc2 = Accuracy()
        try acc2.update(predictions: IntTensor(yPred), labels: IntTensor(yTrue))
        assertClose(acc2.compute(), 0.5)
        let acc3 = Accuracy()
        try acc3.update(Tensor(probs), labels: IntTensor(probLabels))
        assertClose(acc3.compute(), 0.25)   // sklearn accuracy_score(y, P.argmax(1))
        // Logits and their softmax give the same accuracy.
        let logits = (Tensor(probs) * Float(3)).softmax(axis: -1)
        let acc4 = Accuracy()
        try acc4.update(logits, labels: IntTensor(probLabels))
        assertClose(acc4.compute(), 0.25)
    }

    func testAccuracyBinary() throws {
        let a = Accuracy()
        try a.update(Tensor(bScore), labels: IntTensor(bTrue))
        assertClose(a.compute(), 0.625)
        let b = Accuracy()
        try b.update(Tensor(bScore).reshaped([-1, 1]), labels: IntTensor(bTrue))
        assertClose(b.compute(), 0.625)
        // Threshold on logits: 0 splits the same way as 0.5 on probabilities.
        let c = Accuracy(threshold: 0)
        try c.update(Tensor(bScore.map { $0 - 0.5 }), labels: IntTensor(bTrue))
        assertClose(c.compute(), 0.625)
        XCTAssertThrowsError(try a.update(Tensor([0.2, 0.7]), labels: IntTensor([0, 2])))
    }

    func testAccuracyEmptyResetAndBatches() throws {
        let a = Accuracy()
        XCTAssertTrue(a.compute().isNaN)
        try a.update(predictions: IntTensor(Array(yPred[0..<3])), labels: IntTensor(Array(yTrue[0..<3])))
        try a.update(predictions: IntTensor(Array(yPred[3...])), labels: IntTensor(Array(yTrue[3...])))
        assertClose(a.compute(), 0.5)
        a.reset()
        XCTAssertTrue(a.compute().isNaN)
        XCTAssertEqual(a.total, 0)
    }

    func testAccuracyShapeErrors() {
        let a = Accuracy()
        XCTAssertThrowsError(try a.update(Tensor(probs), labels: IntTensor([0, 1]))) { e in
            XCTAssertTrue("\(e)".contains("labels of shape [2]"), "\(e)")
        }
        XCTAssertThrowsError(try a.update(Tensor(probs), labels: IntTensor(probLabels.map { $0 + 1 })))
        XCTAssertThrowsError(try a.update(Tensor.zeros([2, 2, 2]), labels: IntTensor([0, 1])))
        XCTAssertThrowsError(try a.update(predictions: IntTensor([0, 1]), labels: IntTensor([0])))
        XCTAssertEqual(a.total, 0)
    }

    // MARK: Top-k

    func testTopKAccuracy() throws {
        let t2 = TopKAccuracy(k: 2)
        XCTAssertEqual(t2.name, "top2_accuracy")
        try t2.update(Tensor(probs), labels: IntTensor(probLabels))
        assertClose(t2.compute(), 0.75)     // sklearn top_k_accuracy_score(k=2)
        let t1 = TopKAccuracy(k: 1)
        try t1.update(Tensor(probs), labels: IntTensor(probLabels))
        assertClose(t1.compute(), 0.25)     // sklearn, equals Accuracy
        let t3 = TopKAccuracy(k: 5)
        try t3.update(Tensor(probs), labels: IntTensor(probLabels))
        assertClose(t3.compute(), 1)
        // Batches accumulate like one batch.
        let tb = TopKAccuracy(k: 2)
        try tb.update(Tensor(Array(probs[0..<5])), labels: IntTensor(Array(probLabels[0..<5])))
        try tb.update(Tensor(Array(probs[5...])), labels: IntTensor(Array(probLabels[5...])))
        assertClose(tb.compute(), 0.75)
        tb.reset()
        XCTAssertTrue(tb.compute().isNaN)
        XCTAssertThrowsError(try tb.update(Tensor(bScore), labels: IntTensor(bTrue)))
    }

    func testTopKTiesFollowArgmax() throws {
        // Tied scores: the lower class index ranks first, as in argmax.
        let t = TopKAccuracy(k: 1), a = Accuracy()
        let s = Tensor([[0.4, 0.4, 0.2], [0.4, 0.4, 0.2]])
        try t.update(s, labels: IntTensor([0, 1]))
        try a.update(s, labels: IntTensor([0, 1]))
        assertClose(t.compute(), 0.5)
        assertClose(a.compute(), 0.5)
    }

    // MARK: Precision / recall / F1

    func check(_ kind: String, _ average: Average, _ y: [Int], _ p: [Int], _ expected: Double, classes: Int? = nil,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let m: AveragedClassificationMetric
        switch kind {
        case "precision": m = Precision(classes: classes, average: average)
        case "recall": m = Recall(classes: classes, average: average)
        default: m = F1Score(classes: classes, average: average)
        }
        try m.update(predictions: IntTensor(p), labels: IntTensor(y))
        assertClose(m.compute(), expected, "\(kind) \(average)", file: file, line: line)
        // Same through one-hot scores, and split into two batches.
        let c = (y + p).max()! + 1
        m.reset()
        XCTAssertTrue(m.compute().isNaN)
        let h = y.count / 2
        try m.update(oneHot(Array(p[..<h]), classes: classes ?? c), labels: IntTensor(Array(y[..<h])))
        try m.update(oneHot(Array(p[h...]), classes: classes ?? c), labels: IntTensor(Array(y[h...])))
        assertClose(m.compute(), expected, "\(kind) \(average) batched", file: file, line: line)
    }

    func testPrecisionRecallF1Multiclass() throws {
        // sklearn precision/recall/f1_score(yTrue, yPred, average=...)
        try check("precision", .macro, yTrue, yPred, 0.5)
        try check("precision", .micro, yTrue, yPred, 0.5)
        try check("precision", .weighted, yTrue, yPred, 0.5)
        try check("recall", .macro, yTrue, yPred, 0.5)
        try check("recall", .micro, yTrue, yPred, 0.5)
        try check("recall", .weighted, yTrue, yPred, 0.5)
        try check("f1", .macro, yTrue, yPred, 0.4904761904761905)
        try check("f1", .micro, yTrue, yPred, 0.5)
        try check("f1", .weighted, yTrue, yPred, 0.49142857142857144)
        let r = Recall(), f = F1Score(), p = Precision()
        for m in [r, f, p] as [AveragedClassificationMetric] { try m.update(predictions: IntTensor(yPred), labels: IntTensor(yTrue)) }
        let expected: [[Double]] = [[0.3333333333333333, 0.6666666666666666, 0.5], [0.4, 0.5714285714285714, 0.5], [0.5, 0.5, 0.5]]
        for (m, e) in zip([r, f, p] as [AveragedClassificationMetric], expected) {
            for (a, b) in zip(m.perClass(), e) { assertClose(a, b) }
        }
    }

    func testZeroDivisionLikeSklearn() throws {
        // Class 2: predicted, never true; class 3: true, never predicted. 4 classes fixed
        // plus a fifth class (4) never seen, which macro averaging must ignore.
        for classes in [nil, 5] as [Int?] {
            try check("precision", .macro, zTrue, zPred, 0.25, classes: classes)
            try check("precision", .micro, zTrue, zPred, 0.4, classes: classes)
            try check("precision", .weighted, zTrue, zPred, 0.3, classes: classes)
            try check("recall", .macro, zTrue, zPred, 0.375, classes: classes)
            try check("recall", .micro, zTrue, zPred, 0.4, classes: classes)
            try check("recall", .weighted, zTrue, zPred, 0.4, classes: classes)
            try check("f1", .macro, zTrue, zPred, 0.29166666666666663, classes: classes)
            try check("f1", .micro, zTrue, zPred, 0.4, classes: classes)
            try check("f1", .weighted, zTrue, zPred, 0.3333333333333333, classes: classes)
        }
    }

    func testBinaryAverages() throws {
        let pred = bScore.map { $0 > 0.5 ? 1 : 0 }
        try check("precision", .binary(positiveClass: 1), bTrue, pred, 0.75)
        try check("recall", .binary(positiveClass: 1), bTrue, pred, 0.6)
        try check("f1", .binary(positiveClass: 1), bTrue, pred, 0.6666666666666666)
        try check("precision", .binary(positiveClass: 0), bTrue, pred, 0.5)
        try check("recall", .binary(positiveClass: 0), bTrue, pred, 0.6666666666666666)
        try check("f1", .binary(positiveClass: 0), bTrue, pred, 0.5714285714285714)
        // From a single score column with the default threshold.
        let f = F1Score(average: .binary(positiveClass: 1))
        XCTAssertEqual(f.name, "f1")
        try f.update(Tensor(bScore), labels: IntTensor(bTrue))
        assertClose(f.compute(), 0.6666666666666666)
        // Never-predicted positive class: zero_division=0.
        let p = Precision(average: .binary(positiveClass: 1))
        try p.update(Tensor([0.1, 0.2]), labels: IntTensor([1, 0]))
        assertClose(p.compute(), 0)
    }

    func testPrecisionErrors() {
        let p = Precision(classes: 3)
        XCTAssertThrowsError(try p.update(Tensor.zeros([2, 4]), labels: IntTensor([0, 1])))
        XCTAssertThrowsError(try p.update(predictions: IntTensor([0, 3]), labels: IntTensor([0, 1])))
        XCTAssertThrowsError(try p.update(predictions: IntTensor([0, 1]), labels: IntTensor([0, 1, 2])))
        XCTAssertTrue(p.compute().isNaN)
    }

    // MARK: Confusion matrix

    func testConfusionMatrix() throws {
        let cm = ConfusionMatrix(classes: 3)
        try cm.update(oneHot(Array(yPred[..<4]), classes: 3), labels: IntTensor(Array(yTrue[..<4])))
        try cm.update(predictions: IntTensor(Array(yPred[4...])), labels: IntTensor(Array(yTrue[4...])))
        XCTAssertEqual(cm.counts, [[1, 1, 1], [0, 2, 1], [1, 1, 2]])   // sklearn confusion_matrix
        assertClose(cm.compute(), 0.5)
        for (a, b) in zip(cm.recall, [0.3333333333333333, 0.6666666666666666, 0.5]) { assertClose(a, b) }
        for (a, b) in zip(cm.precision, [0.5, 0.5, 0.5]) { assertClose(a, b) }
        let text = cm.table(classNames: ["cat", "dog", "bird"])
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 5, text)
        XCTAssertTrue(lines[0].contains("cat") && lines[0].contains("bird") && lines[0].contains("recall"), text)
        XCTAssertTrue(lines[3].hasSuffix("0.500"), text)
        XCTAssertTrue(lines[4].hasPrefix("precision"), text)
        XCTAssertTrue(cm.description.contains("true\\pred"))
        cm.reset()
        XCTAssertEqual(cm.counts, [[0, 0, 0], [0, 0, 0], [0, 0, 0]])
        XCTAssertTrue(cm.compute().isNaN)
        XCTAssertThrowsError(try cm.update(Tensor.zeros([2, 4]), labels: IntTensor([0, 1])))
        XCTAssertThrowsError(try cm.update(predictions: IntTensor([0, 3]), labels: IntTensor([0, 1])))
        // Binary scores need a 2-class matrix.
        let b = ConfusionMatrix(classes: 2)
        try b.update(Tensor(bScore), labels: IntTensor(bTrue))
        XCTAssertEqual(b.counts, [[2, 1], [2, 3]])
    }

    // MARK: ROC AUC

    func testROCAUCBinary() throws {
        let auc = ROCAUC()
        try auc.update(Tensor(bScore), labels: IntTensor(bTrue))
        assertClose(auc.compute(), 0.7333333333333334)   // sklearn roc_auc_score
        // Batched and [B, 1] gives the same.
        let b = ROCAUC()
        try b.update(Tensor(Array(bScore[..<3])).reshaped([-1, 1]), labels: IntTensor(Array(bTrue[..<3])))
        try b.update(Tensor(Array(bScore[3...])).reshaped([-1, 1]), labels: IntTensor(Array(bTrue[3...])))
        assertClose(b.compute(), 0.7333333333333334)
        // Mixing column counts is an error.
        XCTAssertThrowsError(try b.update(Tensor(probs), labels: IntTensor(probLabels)))
        XCTAssertThrowsError(try b.update(Tensor([0.1, 0.2]), labels: IntTensor([0, 2])))
        XCTAssertThrowsError(try b.update(Tensor([0.1, 0.2]), labels: IntTensor([0])))
    }

    func testROCAUCTies() throws {
        let auc = ROCAUC()
        try auc.update(Tensor([0.5, 0.5, 0.5, 0.9, 0.1, 0.1, 0.7, 0.7]), labels: IntTensor([0, 0, 1, 1, 0, 1, 0, 1]))
        assertClose(auc.compute(), 0.625)   // sklearn roc_auc_score
        // All scores tied: 0.5.
        assertClose(ROCAUC.binaryAUC(scores: [1, 1, 1, 1], positive: [true, false, true, false]), 0.5)
        assertClose(ROCAUC.binaryAUC(scores: [0, 1, 2], positive: [false, true, true]), 1)
        assertClose(ROCAUC.binaryAUC(scores: [2, 1, 0], positive: [false, true, true]), 0)
    }

    func testROCAUCMulticlassOvR() throws {
        let auc = ROCAUC()
        try auc.update(Tensor(Array(probs[..<4])), labels: IntTensor(Array(probLabels[..<4])))
        try auc.update(Tensor(Array(probs[4...])), labels: IntTensor(Array(probLabels[4...])))
        // sklearn roc_auc_score(y, P, multi_class="ovr", average="macro") and per class.
        assertClose(auc.compute(), 0.4842261904761905)
        assertClose(try auc.checkedCompute(), 0.4842261904761905)
        for (a, b) in zip(auc.perClass(), [0.07142857142857145, 0.6, 0.78125]) { assertClose(a, b) }
        auc.reset()
        XCTAssertTrue(auc.compute().isNaN)
        XCTAssertNil(auc.columns)
        try auc.update(Tensor(bScore), labels: IntTensor(bTrue))   // mode is free again
        assertClose(auc.compute(), 0.7333333333333334)
    }

    func testROCAUCSingleClassPolicy() throws {
        let auc = ROCAUC()
        try auc.update(Tensor([0.2, 0.9]), labels: IntTensor([1, 1]))
        XCTAssertTrue(auc.compute().isNaN)
        XCTAssertThrowsError(try auc.checkedCompute()) { e in
            XCTAssertTrue("\(e)".contains("only one class"), "\(e)")
        }
        // Multi-class with class 2 absent from the labels.
        let m = ROCAUC(classes: 3)
        try m.update(Tensor(Array(probs[..<2])), labels: IntTensor([0, 1]))
        XCTAssertTrue(m.compute().isNaN)
        XCTAssertTrue(m.perClass()[2].isNaN)
        assertClose(m.perClass()[0], 0)   // class-0 column: positive 0.1 < negative 0.2
        XCTAssertThrowsError(try m.checkedCompute()) { e in
            XCTAssertTrue("\(e)".contains("class 2 does not occur"), "\(e)")
        }
        XCTAssertThrowsError(try ROCAUC().checkedCompute())
        XCTAssertThrowsError(try ROCAUC().update(Tensor([Float.nan, 1]), labels: IntTensor([0, 1])))
    }

    // MARK: Regression

    func testRegression() throws {
        let pred = Tensor([[1.0, 2.0], [0.5, -1.0], [3.0, 3.5]])
        let target = Tensor([[1.5, 2.0], [0.0, -2.0], [2.0, 4.0]])
        let mse = MeanSquaredError(), mae = MeanAbsoluteError(), rmse = MeanSquaredError(squared: false)
        for m in [mse, rmse] as [any RegressionMetric] + [mae] { try m.update(pred, target: target) }
        assertClose(mse.compute(), 0.45833333333333337)   // sklearn mean_squared_error
        assertClose(mae.compute(), 0.5833333333333333)    // sklearn mean_absolute_error
        assertClose(rmse.compute(), 0.6770032003863301)   // sqrt of the above
        XCTAssertEqual(rmse.name, "rmse")
        // Row batches accumulate to the same value.
        let mse2 = MeanSquaredError(), mae2 = MeanAbsoluteError()
        for r in 0..<3 {
            try mse2.update(pred.sliced(axis: 0, r..<(r + 1)), target: target.sliced(axis: 0, r..<(r + 1)))
            try mae2.update(pred.sliced(axis: 0, r..<(r + 1)), target: target.sliced(axis: 0, r..<(r + 1)))
        }
        assertClose(mse2.compute(), 0.45833333333333337)
        assertClose(mae2.compute(), 0.5833333333333333)
        XCTAssertThrowsError(try mse.update(pred, target: target.reshaped([-1]))) { e in
            XCTAssertTrue("\(e)".contains("does not match"), "\(e)")
        }
        XCTAssertThrowsError(try mae.update(pred, target: Tensor([1, 2])))
        XCTAssertEqual(mse.count, 6)
        mse.reset(); mae.reset()
        XCTAssertTrue(mse.compute().isNaN)
        XCTAssertTrue(mae.compute().isNaN)
    }

    // MARK: Running mean and EMA

    func testRunningMean() {
        let m = RunningMean()
        XCTAssertTrue(m.compute().isNaN)
        m.update(2.0, weight: 32)
        m.update(4.0, weight: 32)
        m.update(Tensor(1.0), weight: 16)
        assertClose(m.compute(), (2.0 * 32 + 4.0 * 32 + 16) / 80)
        m.reset()
        m.update(3)
        m.update(5)
        assertClose(m.compute(), 4)
        m.reset()
        XCTAssertTrue(m.compute().isNaN)
    }

    func testExponentialMovingAverage() {
        let e = ExponentialMovingAverage(decay: 0.5)
        XCTAssertTrue(e.compute().isNaN)
        e.update(4)
        assertClose(e.compute(), 4)          // bias-corrected: first value exactly
        e.update(8)
        // m2 = 0.5 * 2 + 0.5 * 8 = 5; corrected 5 / 0.75.
        assertClose(e.compute(), 5 / 0.75)
        let constant = ExponentialMovingAverage(decay: 0.9)
        for _ in 0..<20 { constant.update(3) }
        XCTAssertEqual(constant.compute(), 3, accuracy: 1e-12)
        e.reset()
        XCTAssertEqual(e.count, 0)
        XCTAssertTrue(e.compute().isNaN)
    }

    // MARK: Registry

    func testRegistry() throws {
        let cases: [(String, String)] = [
            ("accuracy", "accuracy"), ("top5_accuracy", "top5_accuracy"), ("f1_macro", "f1_macro"),
            ("precision_micro", "precision_micro"), ("recall_weighted", "recall_weighted"),
            ("roc_auc", "roc_auc"), ("mse", "mse"), ("mae", "mae"), ("confusion_matrix", "confusion_matrix"),
            (" F1-Weighted ", "f1_weighted"), ("precision", "precision"), ("loss", "loss"), ("rmse", "rmse"),
        ]
        for (input, name) in cases {
            let m = try MetricRegistry.make(input, classes: 3)
            XCTAssertEqual(m.name, name, input)
        }
        XCTAssertTrue(try MetricRegistry.make("top5_accuracy") is TopKAccuracy)
        XCTAssertEqual((try MetricRegistry.make("f1_macro") as? F1Score)?.average, .macro)
        XCTAssertThrowsError(try MetricRegistry.make("accuracyy")) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("unknown metric \"accuracyy\""), s)
            for n in ["accuracy", "top<k>_accuracy", "f1_macro", "precision_micro", "recall_weighted", "roc_auc", "mse", "mae", "confusion_matrix"] {
                XCTAssertTrue(s.contains(n), "\(n) missing from: \(s)")
            }
        }
        XCTAssertThrowsError(try MetricRegistry.make("top0_accuracy"))
        XCTAssertThrowsError(try MetricRegistry.make("f1_median"))
        XCTAssertThrowsError(try MetricRegistry.make("confusion_matrix"))
    }

    func testMetricSet() throws {
        let set = try MetricSet(names: ["loss", "accuracy", "f1_macro", "top2_accuracy", "mse"], classes: 3)
        set.update(loss: 1.5, weight: 8)
        try set.update(Tensor(probs), labels: IntTensor(probLabels))
        let values = set.compute()
        XCTAssertEqual(values.map(\.name), ["loss", "accuracy", "f1_macro", "top2_accuracy", "mse"])
        assertClose(values[0].value, 1.5)
        assertClose(values[1].value, 0.25)
        assertClose(values[3].value, 0.75)
        XCTAssertTrue(values[4].value.isNaN)
        XCTAssertNotNil(set["f1_macro"])
        set.reset()
        XCTAssertTrue(set.compute().allSatisfy { $0.value.isNaN })
        XCTAssertThrowsError(try MetricSet(names: ["accuracy", "nope"]))
    }
}
