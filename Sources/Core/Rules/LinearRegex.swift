/// A regex matched in time linear in the input: the pattern is compiled into a program for a
/// Pike VM (a Thompson NFA simulation whose threads keep their priority, as RE2's and Rust
/// regex's PikeVM do), so matching costs O(program size × input length) on any input, with the
/// leftmost-first results (and capture groups) of a backtracking engine such as Python's `re`.
///
/// Why an engine of our own: Swift's `Regex` and `NSRegularExpression` backtrack (a config's
/// `(a+)+$` and a pod named `aaaaaaaaaaaaaaaaaaaaaa!` took minutes), and no Swift package in
/// the dependency lists offers a linear-time engine.
///
/// The syntax is Python's `re` (see ``RegexParser``), matched on Unicode scalars. Constructs
/// that cannot be matched in linear time (backreferences, lookaround, atomic groups, possessive
/// quantifiers) are rejected when the pattern is compiled.
package struct LinearRegex: Sendable {
    /// Most instructions a compiled pattern may have (each repetition `{m,n}` copies its
    /// expression), bounding the memory and the time per input scalar of a match.
    package static let maxProgramSize = 20_000
    /// Most positions a match may keep per input scalar (two per instruction, times the groups'
    /// and loops' slots), bounding the memory of a match of a pattern with many groups.
    package static let maxThreadSlots = 1_000_000

    package let pattern: String
    /// Capture groups, not counting the whole match (group 0).
    package let groupCount: Int
    /// Capture group numbers by name (`(?P<name>...)`).
    package let groupNames: [String: Int]
    let program: RegexProgram
    /// `(outer, inner)` quantifiers when an unbounded quantifier sits inside another, e.g. `+` and
    /// `+` in `(a+)+`: harmless here, exponential in a backtracking engine.
    package let nestedQuantifiers: (outer: String, inner: String)?
    /// Whether group ranges may differ from Python's: the pattern nests unbounded repetitions
    /// whose bodies can match empty (`((a|)*)*`). Whether and where it matches does not differ.
    package let nestsEmptyLoops: Bool

    /// Compiles a pattern, or says why it does not compile.
    package init(_ pattern: String) throws(RuleProblem) {
        var parser = RegexParser(pattern)
        let tree = try parser.parse()
        self.pattern = pattern
        groupCount = parser.groupCount
        groupNames = parser.groupNames
        program = try RegexCompiler.compile(tree, groupCount: parser.groupCount)
        nestedQuantifiers = tree.nestedQuantifiers().map { ($0.outer.quantifierText, $0.inner.quantifierText) }
        nestsEmptyLoops = tree.nestsEmptyLoops()
    }

    /// Where a match must be.
    package enum Anchoring: Sendable {
        /// The whole text (Python's `re.fullmatch`).
        case whole
        /// Starting at the search position (`re.match`).
        case start
        /// Anywhere from the search position on (`re.search`).
        case anywhere
    }

    /// A match: scalar offsets of the whole match (group 0) and of each group.
    package struct Match: Sendable, Equatable {
        /// `[start0, end0, start1, end1, ...]`; -1 for a group that did not take part.
        package let slots: [Int]

        package var range: Range<Int> { slots[0]..<slots[1] }

        /// The range of a group (0: the whole match), `nil` when it did not take part.
        package func range(of group: Int) -> Range<Int>? {
            guard group * 2 + 1 < slots.count, slots[group * 2] >= 0, slots[group * 2 + 1] >= 0 else { return nil }
            return slots[group * 2]..<slots[group * 2 + 1]
        }
    }

    /// The leftmost-first match in `scalars` at or after `start`, as `anchoring` asks.
    package func firstMatch(in scalars: [Unicode.Scalar], from start: Int = 0, anchoring: Anchoring) -> Match? {
        var machine = PikeVM(program)
        return machine.run(scalars, from: start, anchoring: anchoring)
    }

    /// The match in a text's Unicode scalars.
    package func firstMatch(in text: String, anchoring: Anchoring) -> Match? {
        firstMatch(in: Array(text.unicodeScalars), anchoring: anchoring)
    }

    /// Every match from left to right, as `NSRegularExpression.matches` and Python's
    /// `re.finditer` find them: the search goes on where a match ends, one scalar further after
    /// an empty match.
    package func allMatches(in scalars: [Unicode.Scalar]) -> [Match] {
        var machine = PikeVM(program)
        var matches: [Match] = []
        var position = 0
        while position <= scalars.count, let match = machine.run(scalars, from: position, anchoring: .anywhere) {
            matches.append(match)
            position = match.range.isEmpty ? match.range.upperBound + 1 : match.range.upperBound
        }
        return matches
    }
}

/// One instruction of a ``RegexProgram``.
enum RegexInstruction: Sendable {
    /// Consume this scalar.
    case scalar(Unicode.Scalar)
    /// Consume a scalar whose case folding is this one.
    case caselessScalar(Unicode.Scalar)
    /// Consume a scalar of the program's set with this index.
    case set(Int)
    /// Consume any scalar but `\n`.
    case anyButNewline
    /// Consume any scalar.
    case any
    /// Go on at both; the first has priority.
    case split(Int, Int)
    case jump(Int)
    /// Record the position in a capture slot.
    case save(Int)
    case assert(RegexAssertion)
    /// Record the position where an iteration of a loop whose body can match empty starts.
    case loopStart(register: Int)
    /// End of such an iteration: an iteration that matched empty leaves the loop (as
    /// backtracking engines do), any other goes back to the loop's start.
    case loopEnd(register: Int, loop: Int, exit: Int)
    case match
}

struct RegexProgram: Sendable {
    var instructions: [RegexInstruction] = []
    var sets: [ScalarSet] = []
    /// Capture slots (2 per group, group 0 included) then loop registers.
    var slotCount = 0
    var captureSlotCount = 0
    /// For each instruction, the register of the innermost loop around it whose body can match
    /// empty (-1: none). Threads at one instruction are told apart by whether that loop's current
    /// iteration started at the current position, so that an empty last iteration is matched
    /// (and its groups set) as a backtracking engine does; this at most doubles the threads.
    var loopRegister: [Int] = []
}

/// Compiles a ``RegexNode`` into a ``RegexProgram``.
struct RegexCompiler {
    private var program = RegexProgram()
    private var registers = 0
    private var openLoops: [Int] = []

    static func compile(_ node: RegexNode, groupCount: Int) throws(RuleProblem) -> RegexProgram {
        var compiler = RegexCompiler()
        compiler.registers = (groupCount + 1) * 2
        try compiler.emit(.save(0))
        try compiler.compile(node)
        try compiler.emit(.save(1))
        try compiler.emit(.match)
        compiler.program.slotCount = compiler.registers
        if compiler.program.instructions.count * 2 * compiler.registers > LinearRegex.maxThreadSlots {
            throw RuleProblem(
                "the pattern is too large: its \(compiler.program.instructions.count) instructions and \(groupCount) groups "
                    + "would keep more than \(LinearRegex.maxThreadSlots) positions per scalar matched")
        }
        compiler.program.captureSlotCount = (groupCount + 1) * 2
        return compiler.program
    }

    private var next: Int { program.instructions.count }

    @discardableResult
    private mutating func emit(_ instruction: RegexInstruction) throws(RuleProblem) -> Int {
        guard program.instructions.count < LinearRegex.maxProgramSize else {
            throw RuleProblem("the pattern is too large: it compiles to more than \(LinearRegex.maxProgramSize) instructions")
        }
        program.instructions.append(instruction)
        program.loopRegister.append(openLoops.last ?? -1)
        return program.instructions.count - 1
    }

    private mutating func patch(_ index: Int, _ instruction: RegexInstruction) {
        program.instructions[index] = instruction
    }

    private mutating func compile(_ node: RegexNode) throws(RuleProblem) {
        switch node {
        case .empty:
            break
        case .scalar(let scalar, let caseless):
            if caseless && !CaseFolding.variants(of: scalar).isEmpty {
                try emit(.caselessScalar(CaseFolding.fold(scalar)))
            } else {
                try emit(.scalar(scalar))
            }
        case .set(let set):
            program.sets.append(set)
            try emit(.set(program.sets.count - 1))
        case .any(let dotAll):
            try emit(dotAll ? .any : .anyButNewline)
        case .assertion(let assertion):
            try emit(.assert(assertion))
        case .capture(let number, let body):
            try emit(.save(number * 2))
            try compile(body)
            try emit(.save(number * 2 + 1))
        case .concatenation(let nodes):
            for node in nodes { try compile(node) }
        case .alternation(let nodes):
            var jumps: [Int] = []
            for (index, node) in nodes.enumerated() {
                if index < nodes.count - 1 {
                    let split = try emit(.jump(-1))
                    try compile(node)
                    jumps.append(try emit(.jump(-1)))
                    patch(split, .split(split + 1, next))
                } else {
                    try compile(node)
                }
            }
            for jump in jumps { patch(jump, .jump(next)) }
        case .repetition(let body, let min, let max, let greedy):
            for _ in 0..<min { try compile(body) }
            if let max {
                // Up to max - min optional copies, each inside the previous one.
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(try emit(.jump(-1)))
                    try compile(body)
                }
                for split in splits { patch(split, greedy ? .split(split + 1, next) : .split(next, split + 1)) }
            } else {
                try compileStar(body, greedy: greedy)
            }
        }
    }

    /// `body*`; a body that can match empty gets a register so that an empty iteration ends the loop.
    private mutating func compileStar(_ body: RegexNode, greedy: Bool) throws(RuleProblem) {
        let loop = try emit(.jump(-1))
        var register: Int?
        if body.isNullable {
            register = registers
            registers += 1
            try emit(.loopStart(register: registers - 1))
            openLoops.append(registers - 1)
        }
        try compile(body)
        let end = try emit(.jump(loop))
        if register != nil { openLoops.removeLast() }
        let exit = next
        if let register { patch(end, .loopEnd(register: register, loop: loop, exit: exit)) }
        patch(loop, greedy ? .split(loop + 1, exit) : .split(exit, loop + 1))
    }
}

/// Runs a ``RegexProgram`` over scalars: every thread advances one scalar per step, threads
/// reaching the same instruction at the same position are merged (the first, of highest
/// priority, wins), so a step costs at most the program's size.
struct PikeVM {
    private let program: RegexProgram
    private var current: ThreadList
    private var following: ThreadList
    private var stack: [Frame] = []
    private var working: [Int]

    private enum Frame {
        case explore(Int)
        case restore(slot: Int, value: Int)
    }

    /// The instructions threads wait at (in priority order) and each one's slots.
    private struct ThreadList {
        var dense: [Int]
        var sparse: [Int]
        var count = 0
        var slots: [Int]

        init(size: Int, slotCount: Int) {
            dense = Array(repeating: 0, count: size)
            sparse = Array(repeating: 0, count: size)
            slots = Array(repeating: -1, count: size * slotCount)
        }

        func contains(_ pc: Int) -> Bool {
            let index = sparse[pc]
            return index < count && dense[index] == pc
        }

        mutating func insert(_ pc: Int) {
            sparse[pc] = count
            dense[count] = pc
            count += 1
        }
    }

    init(_ program: RegexProgram) {
        self.program = program
        current = ThreadList(size: program.instructions.count * 2, slotCount: program.slotCount)
        following = current
        working = Array(repeating: -1, count: program.slotCount)
    }

    mutating func run(_ input: [Unicode.Scalar], from start: Int, anchoring: LinearRegex.Anchoring) -> LinearRegex.Match? {
        let slotCount = program.slotCount
        current.count = 0
        following.count = 0
        var matched: [Int]?
        var position = start
        while true {
            if matched == nil && (anchoring == .anywhere || position == start) {
                // A new attempt starting here, after (below) every thread already running.
                for index in working.indices { working[index] = -1 }
                Self.addThread(into: &current, pc: 0, at: position, input: input, program: program, stack: &stack, working: &working)
            }
            if current.count == 0 { break }
            let scalar: Unicode.Scalar? = position < input.count ? input[position] : nil
            var index = 0
            while index < current.count {
                let key = current.dense[index]
                let pc = key >> 1
                index += 1
                let advances: Bool
                switch program.instructions[pc] {
                case .match:
                    if anchoring == .whole && position != input.count { continue }
                    let base = key * slotCount
                    matched = Array(current.slots[base..<base + program.captureSlotCount])
                    // The threads after this one have lower priority: drop them.
                    index = current.count
                    continue
                case .scalar(let expected): advances = scalar == expected
                case .caselessScalar(let folded): advances = scalar.map { CaseFolding.fold($0) == folded } ?? false
                case .set(let set): advances = scalar.map { program.sets[set].contains($0) } ?? false
                case .anyButNewline: advances = scalar != nil && scalar != "\n"
                case .any: advances = scalar != nil
                default: advances = false
                }
                if advances {
                    let base = key * slotCount
                    for slot in 0..<slotCount { working[slot] = current.slots[base + slot] }
                    Self.addThread(
                        into: &following, pc: pc + 1, at: position + 1, input: input, program: program, stack: &stack, working: &working)
                }
            }
            swap(&current, &following)
            following.count = 0
            if position >= input.count { break }
            position += 1
        }
        return matched.map { LinearRegex.Match(slots: $0) }
    }

    /// Follows the instructions that consume nothing from `start`, with the slots in `working`,
    /// and adds each thread that waits for a scalar (or matches) to `list`, in priority order.
    private static func addThread(
        into list: inout ThreadList, pc start: Int, at position: Int, input: [Unicode.Scalar], program: RegexProgram,
        stack: inout [Frame], working: inout [Int]
    ) {
        let slotCount = program.slotCount
        stack.append(.explore(start))
        while let frame = stack.popLast() {
            var pc: Int
            switch frame {
            case .restore(let slot, let value):
                working[slot] = value
                continue
            case .explore(let target):
                pc = target
            }
            explore: while true {
                let register = program.loopRegister[pc]
                let key = pc * 2 + (register >= 0 && working[register] == position ? 1 : 0)
                if list.contains(key) { break }
                list.insert(key)
                switch program.instructions[pc] {
                case .split(let first, let second):
                    stack.append(.explore(second))
                    pc = first
                case .jump(let target):
                    pc = target
                case .save(let slot), .loopStart(let slot):
                    stack.append(.restore(slot: slot, value: working[slot]))
                    working[slot] = position
                    pc += 1
                case .loopEnd(let register, let loop, let exit):
                    pc = working[register] == position ? exit : loop
                case .assert(let assertion):
                    guard holds(assertion, at: position, in: input) else { break explore }
                    pc += 1
                default:
                    let base = key * slotCount
                    for slot in 0..<slotCount { list.slots[base + slot] = working[slot] }
                    break explore
                }
            }
        }
    }

    static func holds(_ assertion: RegexAssertion, at position: Int, in input: [Unicode.Scalar]) -> Bool {
        switch assertion {
        case .textStart: return position == 0
        case .textEnd: return position == input.count
        case .textEndOrFinalNewline: return position == input.count || (position == input.count - 1 && input[position] == "\n")
        case .lineStart: return position == 0 || input[position - 1] == "\n"
        case .lineEnd: return position == input.count || input[position] == "\n"
        case .wordBoundary, .notWordBoundary:
            let before = position > 0 && ScalarClass.word.contains(input[position - 1])
            let after = position < input.count && ScalarClass.word.contains(input[position])
            return (before != after) == (assertion == .wordBoundary)
        }
    }
}
