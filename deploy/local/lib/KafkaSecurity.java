import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Makes a secured broker match deploy/kafka-acls.conf: one SCRAM-SHA-512 user per principal named there (its
 * password generated once into CREDENTIALS/<principal>.password, with a client config beside it in
 * CREDENTIALS/<principal>.properties, both readable by the owner only) and every ACL of the file (creating an ACL
 * that exists is a no-op). Connects as the broker's static "admin" user (PLAIN, CREDENTIALS/admin.password).
 * Run by deploy/local/infra.sh (METAL_KAFKA_SECURITY=scram) and by the SecuredKafkaIT end-to-end test, with the
 * Java source launcher on a Kafka classpath:
 *
 *   java -cp 'libs/*' KafkaSecurity.java <bootstrap> <kafka-acls.conf> <credentials dir>
 */
public class KafkaSecurity {

    public static void main(String[] args) {
        try {
            if (args.length != 3) {
                System.err.println("usage: KafkaSecurity <bootstrap> <kafka-acls.conf> <credentials dir>");
                System.exit(2);
            }
            run(args[0], Path.of(args[1]), Path.of(args[2]));
        } catch (Exception e) {
            // the cause chain ourselves: Kafka's API exceptions carry no stack trace (see CreateTopics.java)
            StringBuilder message = new StringBuilder("ERROR: securing Kafka failed:");
            for (Throwable t = e; t != null; t = t.getCause()) {
                message.append(' ').append(t);
            }
            System.err.println(message);
            System.exit(1);
        }
    }

    record Rule(String principal, ResourceType resource, PatternType pattern, String name, List<AclOperation> operations) {
    }

    static List<Rule> read(Path file) throws Exception {
        List<Rule> rules = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).replaceAll("#.*", "").strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] p = line.split("\\s+");
            if (p.length != 5) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected '<principal> <resource> <pattern>"
                        + " <name> <operations>', got '" + line + "'");
            }
            ResourceType resource = switch (p[1]) {
                case "topic" -> ResourceType.TOPIC;
                case "group" -> ResourceType.GROUP;
                case "transactional-id" -> ResourceType.TRANSACTIONAL_ID;
                default -> throw new IllegalArgumentException(file + ":" + (i + 1) + ": unknown resource " + p[1]);
            };
            PatternType pattern = switch (p[2]) {
                case "literal" -> PatternType.LITERAL;
                case "prefixed" -> PatternType.PREFIXED;
                default -> throw new IllegalArgumentException(file + ":" + (i + 1) + ": unknown pattern " + p[2]);
            };
            List<AclOperation> operations = new ArrayList<>();
            for (String op : p[4].split(",")) {
                operations.add(AclOperation.valueOf(op.toUpperCase(Locale.ROOT)));
            }
            rules.add(new Rule(p[0], resource, pattern, p[3], operations));
        }
        return rules;
    }

    static void run(String bootstrap, Path aclFile, Path credentials) throws Exception {
        List<Rule> rules = read(aclFile);
        Files.createDirectories(credentials);
        String adminPassword = Files.readString(credentials.resolve("admin.password")).strip();
        Properties admin = new Properties();
        admin.put("bootstrap.servers", bootstrap);
        admin.put("security.protocol", "SASL_PLAINTEXT");
        admin.put("sasl.mechanism", "PLAIN");
        admin.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\""
                + " password=\"" + adminPassword + "\";");
        admin.put("default.api.timeout.ms", "30000");

        Set<String> principals = new LinkedHashSet<>();
        rules.forEach(r -> principals.add(r.principal()));
        List<UserScramCredentialAlteration> users = new ArrayList<>();
        for (String principal : principals) {
            String password = password(credentials, principal);
            users.add(new UserScramCredentialUpsertion(principal,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password));
            secret(credentials.resolve(principal + ".properties"), String.join("\n",
                    "security.protocol=SASL_PLAINTEXT",
                    "sasl.mechanism=SCRAM-SHA-512",
                    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                            + principal + "\" password=\"" + password + "\";", ""));
        }
        List<AclBinding> acls = new ArrayList<>();
        for (Rule r : rules) {
            for (AclOperation op : r.operations()) {
                acls.add(new AclBinding(new ResourcePattern(r.resource(), r.name(), r.pattern()),
                        new AccessControlEntry("User:" + r.principal(), "*", op, AclPermissionType.ALLOW)));
            }
        }
        try (Admin client = Admin.create(admin)) {
            client.alterUserScramCredentials(users).all().get(60, TimeUnit.SECONDS);
            client.createAcls(acls).all().get(60, TimeUnit.SECONDS);
        }
        System.out.printf("Kafka secured: %d SCRAM users (%s), %d ACLs from %s; client configs in %s%n",
                principals.size(), String.join(", ", principals), acls.size(), aclFile, credentials);
    }

    /** The principal's password, generated on first use. */
    static String password(Path dir, String principal) throws Exception {
        Path file = dir.resolve(principal + ".password");
        if (!Files.exists(file)) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            secret(file, Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n");
        }
        return Files.readString(file).strip();
    }

    /** Writes {@code text} to {@code file}, readable and writable by its owner only. */
    static void secret(Path file, String text) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
