package io.cairn.server.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One media range of an Accept header, parsed and ordered as goautoneg does it (the parser behind expfmt's
 * negotiation): clauses split on commas and semicolons, parameters kept verbatim (no unquoting, case kept), a
 * missing or unparsable {@code q} is 1 or 0, clauses sorted by decreasing q with specific types before wildcards.
 */
final class AcceptClause {
    final String type;
    final String subType;
    final double q;
    private final Map<String, String> params;

    private AcceptClause(String type, String subType, double q, Map<String, String> params) {
        this.type = type;
        this.subType = subType;
        this.q = q;
        this.params = params;
    }

    boolean is(String type, String subType) {
        return this.type.equals(type) && this.subType.equals(subType);
    }

    /** The parameter's value, or {@code null}. */
    String param(String name) {
        return params.get(name);
    }

    /** The clauses of {@code header} in goautoneg's order; empty for {@code null}. */
    static List<AcceptClause> parse(String header) {
        final ArrayList<AcceptClause> clauses = new ArrayList<>();
        if (header == null) {
            return clauses;
        }
        for (String part : header.split(",", -1)) {
            final String[] pieces = trimSpaces(part).split(";", -1);
            final String[] range = pieces[0].split("/", -1);
            final String type = trimSpaces(range[0]);
            final String subType;
            if (range.length == 1 && type.equals("*")) {
                subType = "*";
            } else if (range.length == 2) {
                subType = trimSpaces(range[1]);
            } else {
                continue;
            }
            double q = 1.0;
            final Map<String, String> params = new HashMap<>();
            for (int i = 1; i < pieces.length; i++) {
                final int eq = pieces[i].indexOf('=');
                if (eq < 0) {
                    continue;
                }
                final String token = trimSpaces(pieces[i].substring(0, eq));
                final String value = pieces[i].substring(eq + 1);
                if (token.equals("q")) {
                    q = parseQ(value);
                } else {
                    params.put(token, trimSpaces(value));
                }
            }
            clauses.add(new AcceptClause(type, subType, q, params));
        }
        // insertion sort keeps equal clauses in order, as Go's sort.Sort does for the few clauses of a header
        for (int i = 1; i < clauses.size(); i++) {
            final AcceptClause clause = clauses.get(i);
            int j = i - 1;
            while (j >= 0 && before(clause, clauses.get(j))) {
                clauses.set(j + 1, clauses.get(j));
                j--;
            }
            clauses.set(j + 1, clause);
        }
        return clauses;
    }

    /** goautoneg's {@code Less}. */
    private static boolean before(AcceptClause a, AcceptClause b) {
        if (a.q > b.q) {
            return true;
        }
        if (!a.type.equals("*") && b.type.equals("*")) {
            return true;
        }
        return !a.subType.equals("*") && b.subType.equals("*");
    }

    /** Go's {@code strconv.ParseFloat(s, 32)} as goautoneg uses it: a value that does not parse counts as 0. */
    private static double parseQ(String value) {
        try {
            return (float) Double.parseDouble(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Go's {@code strings.Trim(s, " ")}: spaces only. */
    private static String trimSpaces(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == ' ') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == ' ') {
            to--;
        }
        return s.substring(from, to);
    }
}
