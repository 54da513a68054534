package io.eie;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in the README, BENCHMARKS.md and docs/*.md leads somewhere: to a file or
 * folder of the repository, and, with a {@code #fragment}, to a heading of the Markdown file it
 * names, slugged as GitHub slugs headings. Links out of the repository (http, https, mailto, the
 * running engine at localhost) are not followed. Reads files only: no network, no server.
 */
class DocsLinksTest {

    /** Maven runs tests in the project's folder, and says so in {@code basedir}. */
    private static final Path ROOT = Path.of(System.getProperty("basedir", "")).toAbsolutePath().normalize();

    /** {@code [text](target)} and {@code ![alt](target)}, with an optional title after the target. */
    private static final Pattern INLINE_LINK =
            Pattern.compile("!?\\[((?:[^\\[\\]]|\\[[^\\[\\]]*\\])*)\\]\\(\\s*(<[^>]*>|[^\\s()]*(?:\\([^\\s()]*\\)[^\\s()]*)*)(?:\\s+(?:\"[^\"]*\"|'[^']*'))?\\s*\\)");
    /** {@code [label]: target}, the definition a reference-style link points to. */
    private static final Pattern REFERENCE_DEFINITION = Pattern.compile("^ {0,3}\\[[^\\]]+\\]:\\s*(<[^>]*>|\\S+)");
    private static final Pattern ATX_HEADING = Pattern.compile("^ {0,3}(#{1,6})(?:[ \\t]+(.*?))?(?:[ \\t]+#+)?[ \\t]*$");
    private static final Pattern SETEXT_UNDERLINE = Pattern.compile("^ {0,3}(=+|-+)[ \\t]*$");
    private static final Pattern FENCE = Pattern.compile("^ {0,3}(`{3,}|~{3,})");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)([^`].*?)\\1", Pattern.DOTALL);
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"", Pattern.CASE_INSENSITIVE);
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

    /** A link as written: the file it is in, its line, and where it points. */
    record Link(Path source, int line, String target) {

        @Override
        public String toString() {
            return ROOT.relativize(source) + ":" + line + ": (" + target + ")";
        }
    }

    @Test
    void reads_the_readme_the_benchmarks_and_every_document_under_docs() {
        assertThat(ROOT.resolve("README.md")).as("tests run in the project's folder, %s", ROOT).isRegularFile();
        assertThat(documents()).extracting(path -> ROOT.relativize(path).toString().replace('\\', '/'))
                .contains("README.md", "BENCHMARKS.md", "docs/ARCHITECTURE.md", "docs/API.md", "docs/CONFIGURATION.md",
                        "docs/OPERATIONS.md", "docs/SIMULATOR.md", "docs/BENCHMARK.md", "docs/TESTING.md");
        assertThat(documents().stream().mapToLong(document -> links(document).size()).sum())
                .as("links found in all documents").isGreaterThan(20);
    }

    @Test
    void every_relative_link_leads_to_a_file_or_folder_of_the_repository() {
        List<String> broken = new ArrayList<>();
        for (Path document : documents()) {
            for (Link link : links(document)) {
                String path = pathOf(link.target());
                if (isExternal(link.target()) || path.isEmpty()) {
                    continue;
                }
                Path resolved = link.source().getParent().resolve(path).normalize();
                if (!resolved.startsWith(ROOT)) {
                    broken.add(link + " leaves the repository");
                } else if (!Files.exists(resolved)) {
                    broken.add(link + " leads to " + ROOT.relativize(resolved) + ", which does not exist");
                }
            }
        }
        assertThat(broken).as("broken links").isEmpty();
    }

    @Test
    void every_anchor_names_a_heading_of_the_document_it_points_to() {
        Map<Path, Set<String>> anchorsByDocument = new HashMap<>();
        List<String> broken = new ArrayList<>();
        for (Path document : documents()) {
            for (Link link : links(document)) {
                int hash = link.target().indexOf('#');
                if (isExternal(link.target()) || hash < 0) {
                    continue;
                }
                String path = pathOf(link.target());
                Path target = path.isEmpty() ? link.source() : link.source().getParent().resolve(path).normalize();
                if (!target.getFileName().toString().endsWith(".md") || !Files.isRegularFile(target)) {
                    continue; // a line of a source file, or a missing file: the other test reports that
                }
                String anchor = decode(link.target().substring(hash + 1));
                Set<String> anchors = anchorsByDocument.computeIfAbsent(target, DocsLinksTest::anchors);
                if (!anchors.contains(anchor)) {
                    broken.add(link + ": " + ROOT.relativize(target) + " has no heading #" + anchor);
                }
            }
        }
        assertThat(broken).as("anchors without a heading").isEmpty();
    }

    @Test
    void slugs_headings_as_github_does() {
        assertThat(slug("Run it, test it")).isEqualTo("run-it-test-it");
        assertThat(slug("The engine's broker on its own")).isEqualTo("the-engines-broker-on-its-own");
        assertThat(slug("The reference: OpenAPI and /docs")).isEqualTo("the-reference-openapi-and-docs");
        assertThat(slug("`EIE_WRITERS` and [the writer](BatchWriter.java)")).isEqualTo("eie_writers-and-the-writer");
        assertThat(slug("2026-12-02 09:03 UTC on vm")).isEqualTo("2026-12-02-0903-utc-on-vm");
        assertThat(slug("Hourly rollups: what they cost (runs of 2026-12-02)"))
                .isEqualTo("hourly-rollups-what-they-cost-runs-of-2026-12-02");
        assertThat(slug("Two  spaces")).isEqualTo("two--spaces");
    }

    @Test
    void numbers_repeated_headings_reads_links_over_line_breaks_and_skips_what_is_inside_code() throws IOException {
        Path document = Files.createTempFile("links", ".md");
        try {
            Files.writeString(document, String.join("\n",
                    "# Title", "", "## Usage", "", "```sh", "# not a heading", "see [x](missing.md)", "```", "",
                    "## Usage", "", "Usage", "-----", "", "`[y](also-missing.md)` and [z](other.md#usage-1 \"title\")",
                    "a [link over", "two lines](fourth.md) and `code over", "[w](x.md) a line break`", "",
                    "[ref]: <third.md>", ""));

            assertThat(anchors(document)).containsExactlyInAnyOrder("title", "usage", "usage-1", "usage-2");
            assertThat(links(document)).extracting(Link::target).containsExactly("other.md#usage-1", "fourth.md", "third.md");
            assertThat(links(document)).extracting(Link::line).containsExactly(15, 17, 20);
        } finally {
            Files.delete(document);
        }
    }

    /** README.md, BENCHMARKS.md and every Markdown file under docs/. */
    private static List<Path> documents() {
        List<Path> documents = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("BENCHMARKS.md")));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(documents::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return documents;
    }

    /**
     * Every link of a document, outside code blocks and code spans. Read paragraph by paragraph,
     * since a link's text and a code span may run over a line break.
     */
    static List<Link> links(Path document) {
        List<Link> links = new ArrayList<>();
        List<String> lines = lines(document);
        boolean[] code = codeLines(lines);
        int first = 0;
        while (first < lines.size()) {
            if (code[first] || lines.get(first).isBlank()) {
                first++;
                continue;
            }
            int end = first;
            while (end < lines.size() && !code[end] && !lines.get(end).isBlank()) {
                end++;
            }
            String paragraph = blankCodeSpans(String.join("\n", lines.subList(first, end)));
            Matcher inline = INLINE_LINK.matcher(paragraph);
            while (inline.find()) {
                links.add(new Link(document, first + 1 + lineOf(paragraph, inline.start(2)), unbracket(inline.group(2))));
            }
            for (int i = first; i < end; i++) {
                Matcher definition = REFERENCE_DEFINITION.matcher(blankCodeSpans(lines.get(i)));
                if (definition.find()) {
                    links.add(new Link(document, i + 1, unbracket(definition.group(1))));
                }
            }
            first = end;
        }
        return links;
    }

    /** The text with what is inside code spans blanked out, line breaks kept. */
    private static String blankCodeSpans(String text) {
        Matcher span = CODE_SPAN.matcher(text);
        StringBuilder blanked = new StringBuilder();
        while (span.find()) {
            String inside = span.group(2).replaceAll("[^\\n]", "x");
            span.appendReplacement(blanked, Matcher.quoteReplacement(span.group(1) + inside + span.group(1)));
        }
        span.appendTail(blanked);
        return blanked.toString();
    }

    private static int lineOf(String text, int offset) {
        return (int) text.substring(0, offset).chars().filter(c -> c == '\n').count();
    }

    /** The anchors GitHub gives a document's headings (repeats numbered -1, -2, …), and its HTML anchors. */
    static Set<String> anchors(Path document) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        List<String> lines = lines(document);
        boolean[] code = codeLines(lines);
        for (int i = 0; i < lines.size(); i++) {
            if (code[i]) {
                continue;
            }
            String line = lines.get(i);
            String heading = null;
            Matcher atx = ATX_HEADING.matcher(line);
            if (atx.matches()) {
                heading = atx.group(2) == null ? "" : atx.group(2);
            } else if (!line.isBlank() && i + 1 < lines.size() && !code[i + 1]
                    && SETEXT_UNDERLINE.matcher(lines.get(i + 1)).matches() && !line.trim().startsWith("|")
                    && (i == 0 || lines.get(i - 1).isBlank())) {
                heading = line.trim();
            }
            if (heading != null) {
                String slug = slug(heading);
                int count = seen.merge(slug, 1, Integer::sum);
                anchors.add(count == 1 ? slug : slug + "-" + (count - 1));
            }
            Matcher html = HTML_ANCHOR.matcher(line);
            while (html.find()) {
                anchors.add(html.group(1));
            }
        }
        return anchors;
    }

    /**
     * GitHub's anchor for a heading: its text as shown (links by their text, code without
     * backticks), lower case, without what is neither a letter, a digit, a space, a hyphen nor an
     * underscore, each space a hyphen.
     */
    static String slug(String heading) {
        String shown = heading
                .replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
                .replaceAll("<[^>]+>", "");
        return shown.trim().toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "")
                .replace(' ', '-');
    }

    /** Which lines are inside fenced code blocks, fences included. */
    private static boolean[] codeLines(List<String> lines) {
        boolean[] code = new boolean[lines.size()];
        String fence = null;
        for (int i = 0; i < lines.size(); i++) {
            Matcher opening = FENCE.matcher(lines.get(i));
            if (fence == null) {
                if (opening.find()) {
                    fence = opening.group(1);
                    code[i] = true;
                }
            } else {
                code[i] = true;
                if (opening.find() && opening.group(1).charAt(0) == fence.charAt(0)
                        && opening.group(1).length() >= fence.length() && lines.get(i).trim().equals(opening.group(1))) {
                    fence = null;
                }
            }
        }
        return code;
    }

    private static boolean isExternal(String target) {
        return SCHEME.matcher(target).find() || target.startsWith("//");
    }

    /** The file part of a target: before any {@code #fragment} or {@code ?query}, decoded. */
    private static String pathOf(String target) {
        int end = target.length();
        for (char c : new char[] {'#', '?'}) {
            int at = target.indexOf(c);
            if (at >= 0) {
                end = Math.min(end, at);
            }
        }
        return decode(target.substring(0, end));
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String unbracket(String target) {
        return target.startsWith("<") && target.endsWith(">") ? target.substring(1, target.length() - 1) : target;
    }

    private static List<String> lines(Path document) {
        try {
            return Files.readAllLines(document, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
