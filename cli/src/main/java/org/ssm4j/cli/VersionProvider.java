package org.ssm4j.cli;

import picocli.CommandLine;

/** Reports the project version from the jar manifest, the JVM and the ND4J release. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = MambaCli.class.getPackage().getImplementationVersion();
        return new String[]{
                "ssm4j " + (version == null ? "(development build)" : version),
                "JVM " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
        };
    }
}
