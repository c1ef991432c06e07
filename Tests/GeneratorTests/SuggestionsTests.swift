import Testing

@testable import _TriggerfishCore

/// "Did you mean": which candidates are close enough, in which order, and how they read.
@Suite struct SuggestionsTests {
    @Test func oneTypoFindsTheIntendedName() {
        #expect(Suggestions.closest(to: "parnets", in: ["doc", "parents", "fields", "manual"]) == ["parents"])
        #expect(
            Suggestions.didYouMean("create_findin", in: ["create_finding", "echo", "resource_babysitter"])
                == "; did you mean 'create_finding'?")
    }

    @Test func comparisonIgnoresCase() {
        #expect(Suggestions.closest(to: "ON_POD_UPDATE", in: ["on_pod_create", "on_pod_update"]) == ["on_pod_update"])
        #expect(Suggestions.closest(to: "podevent", in: ["PodEvent", "NodeEvent"]) == ["PodEvent"])
    }

    /// Only candidates at most one edit further than the best are kept: a clear best match stands alone.
    @Test func bestFirstThenAlphabeticalAndAtMostThree() {
        #expect(Suggestions.closest(to: "abcd", in: ["abcx", "abxx", "abcd", "xbcd"]) == ["abcd", "abcx", "xbcd"])
        #expect(Suggestions.closest(to: "abcd", in: ["abcx", "abxx", "abcd", "xbcd"], limit: 5) == ["abcd", "abcx", "xbcd"])
        #expect(Suggestions.closest(to: "abcde", in: ["abcdx", "abcxy", "abxyz"], limit: 5) == ["abcdx", "abcxy"])
        #expect(Suggestions.closest(to: "abcd", in: ["abcx"], limit: 0) == [])
    }

    /// Up to a third of the word may differ (at least two edits); further away is no suggestion.
    @Test func distanceThreshold() {
        #expect(Suggestions.closest(to: "abc", in: ["abd", "axy", "xyz"]) == ["abd", "axy"])
        #expect(Suggestions.closest(to: "abcdefghi", in: ["abcdefxyz", "abcdxyzvw"]) == ["abcdefxyz"])
        #expect(Suggestions.closest(to: "abcdefghijkl", in: ["abcdefghwxyz", "abcdefgvwxyz"]) == ["abcdefghwxyz"])
    }

    /// A candidate containing the word (or contained in it) is suggested when both are long enough.
    @Test func containmentCountsForWordsOfFourOrMore() {
        #expect(Suggestions.closest(to: "labels", in: ["namespace_labels", "annotations"]) == ["namespace_labels"])
        #expect(Suggestions.closest(to: "aggregation_key_name", in: ["aggregation_key", "title"]) == ["aggregation_key"])
        #expect(Suggestions.closest(to: "pod", in: ["pod_name_prefix"]) == [])
    }

    @Test func nothingCloseMeansNoSuggestion() {
        #expect(Suggestions.closest(to: "carrier_pigeon", in: ["slack_sink", "file_sink"]) == [])
        #expect(Suggestions.didYouMean("carrier_pigeon", in: ["slack_sink", "file_sink"]) == "")
        #expect(Suggestions.didYouMean("anything", in: [String]()) == "")
    }

    @Test func didYouMeanListsUpToThreeNames() {
        #expect(
            Suggestions.didYouMean("on_pod_updat", in: ["on_pod_update", "on_node_update", "on_job_update", "on_schedule"])
                == "; did you mean 'on_pod_update'?")
        #expect(
            Suggestions.didYouMean("on_pod_updat", in: ["on_pod_update", "on_pod_updater", "on_job_update"])
                == "; did you mean 'on_pod_update' or 'on_pod_updater'?")
        #expect(Suggestions.didYouMean("sinkz", in: ["sinks", "stop"]) == "; did you mean 'sinks'?")
        #expect(Suggestions.didYouMean("nam", in: ["name", "names"]) == "; did you mean 'name' or 'names'?")
    }

    @Test func orList() {
        #expect(Suggestions.orList([]) == "")
        #expect(Suggestions.orList(["a"]) == "a")
        #expect(Suggestions.orList(["a", "b"]) == "a or b")
        #expect(Suggestions.orList(["a", "b", "c"]) == "a, b or c")
        #expect(Suggestions.orList(["'x'", "'y'", "'z'", "'w'"]) == "'x', 'y', 'z' or 'w'")
    }

    @Test func editDistance() {
        #expect(Suggestions.editDistance("kitten", "sitting") == 3)
        #expect(Suggestions.editDistance("", "abc") == 3)
        #expect(Suggestions.editDistance("abc", "") == 3)
        #expect(Suggestions.editDistance("same", "same") == 0)
        #expect(Suggestions.editDistance("ab", "ba") == 2)
        #expect(Suggestions.editDistance("émoji", "emoji") == 1)
    }
}
