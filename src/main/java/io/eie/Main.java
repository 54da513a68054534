package io.eie;

import io.eie.cli.EieCommand;
import picocli.CommandLine;

/** {@code java -jar eie.jar [serve|migrate|seed|broker|version]}: see {@link EieCommand}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(EieCommand.commandLine().execute(args));
    }
}
