import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.tools.TopicCommand;

/**
 * Runs several `kafka-topics --create` commands in ONE JVM (each kafka-topics JVM costs 1-2 s on two
 * cores). Launched by infra.sh with the Java source launcher on the Kafka tools classpath:
 *
 *   java -cp 'libs/*' CreateTopics.java <bootstrap> <args of topic 1> -- <args of topic 2> -- ...
 *
 * Each group is passed verbatim to kafka-topics' own option parser and service, so the semantics
 * (--if-not-exists, --config validation) are exactly those of the kafka-topics tool; groups whose
 * topic already exists are skipped (an existing topic is never altered). infra.sh builds
 * the groups from deploy/topics.conf and falls back to one kafka-topics JVM per topic when the
 * runtime has no compiler (a JRE without jdk.compiler). A secured broker: METAL_KAFKA_ADMIN_CONFIG names a
 * properties file of the admin client's security settings (infra.sh sets it in scram mode).
 */
public class CreateTopics {
    public static void main(String[] args) {
        try {
            run(args);
        } catch (Exception e) {
            // Print the cause chain ourselves: Kafka's API exceptions carry no stack trace, which
            // makes the JDK 17 source launcher fail while trimming it and hide the real error.
            StringBuilder message = new StringBuilder("ERROR: topic creation failed:");
            for (Throwable t = e; t != null; t = t.getCause()) {
                message.append(' ').append(t);
            }
            System.err.println(message);
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: CreateTopics <bootstrap> <kafka-topics args> [-- <kafka-topics args> ...]");
            System.exit(2);
        }
        String bootstrap = args[0];
        Properties admin = new Properties();
        admin.put("bootstrap.servers", bootstrap);
        String security = System.getenv("METAL_KAFKA_ADMIN_CONFIG");
        if (security != null && !security.isBlank()) {
            try (java.io.Reader r = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(security))) {
                admin.load(r);
            }
        }
        List<List<String>> groups = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String arg : Arrays.asList(args).subList(1, args.length)) {
            if (arg.equals("--")) {
                groups.add(current);
                current = new ArrayList<>();
            } else {
                current.add(arg);
            }
        }
        groups.add(current);
        try (TopicCommand.TopicService service = new TopicCommand.TopicService(admin, Optional.empty())) {
            Set<String> existing = new HashSet<>(service.getTopics(Optional.empty(), true));
            int created = 0;
            int present = 0;
            for (List<String> group : groups) {
                if (group.isEmpty()) {
                    continue;
                }
                int topicAt = group.indexOf("--topic");
                if (topicAt >= 0 && topicAt + 1 < group.size() && existing.contains(group.get(topicAt + 1))) {
                    present++;
                    continue;
                }
                List<String> topicArgs = new ArrayList<>(List.of("--bootstrap-server", bootstrap));
                topicArgs.addAll(group);
                TopicCommand.TopicCommandOptions options =
                        new TopicCommand.TopicCommandOptions(topicArgs.toArray(new String[0]));
                options.checkArgs();
                service.createTopic(options);
                created++;
            }
            System.out.printf("Topics: %d created, %d already existed (not altered).%n", created, present);
        }
    }
}
