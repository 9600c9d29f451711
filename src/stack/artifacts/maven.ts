import { mkdir, readdir, rm, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { STACK_VERSIONS } from '../versions.ts';
import { runTool } from './run.ts';

/** One Maven coordinate; `transitive: false` copies only the jar itself. */
export interface MavenArtifact {
  groupId: string;
  artifactId: string;
  version: string;
  classifier?: string;
  transitive?: boolean;
}

/** A POM whose only job is to make `mvn dependency:copy-dependencies` fetch `artifacts`. */
export function resolutionPom(name: string, artifacts: readonly MavenArtifact[]): string {
  const deps = artifacts.map((a) => {
    const classifier = a.classifier ? `<classifier>${a.classifier}</classifier>` : '';
    const exclusions =
      a.transitive === false
        ? '<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>'
        : '';
    return `    <dependency><groupId>${a.groupId}</groupId><artifactId>${a.artifactId}</artifactId><version>${a.version}</version>${classifier}${exclusions}</dependency>`;
  });
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    `  <groupId>lambdalake.stack</groupId><artifactId>${name}</artifactId><version>1</version><packaging>pom</packaging>`,
    '  <dependencies>',
    ...deps,
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n');
}

/**
 * Resolves artifacts from Maven Central into `targetDir` with the ordinary mvn client (its local
 * repository stays the user's ~/.m2). A `.complete` marker makes a second call free.
 */
export async function resolveMavenArtifacts(
  name: string,
  artifacts: readonly MavenArtifact[],
  targetDir: string,
): Promise<{ downloaded: boolean }> {
  const marker = join(targetDir, '.complete');
  if (await exists(marker)) return { downloaded: false };
  await rm(targetDir, { recursive: true, force: true });
  const workDir = `${targetDir}.pom`;
  await mkdir(workDir, { recursive: true });
  await writeFile(join(workDir, 'pom.xml'), resolutionPom(name, artifacts));
  await runTool(
    'mvn',
    [
      '-q',
      '-B',
      `org.apache.maven.plugins:maven-dependency-plugin:${STACK_VERSIONS.mavenDependencyPlugin}:copy-dependencies`,
      `-DoutputDirectory=${targetDir}`,
      '-DincludeScope=runtime',
    ],
    workDir,
  );
  const jars = (await readdir(targetDir)).filter((f) => f.endsWith('.jar'));
  if (jars.length === 0) throw new Error(`mvn resolved no jars into ${targetDir}`);
  await writeFile(marker, jars.sort().join('\n') + '\n');
  return { downloaded: true };
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
