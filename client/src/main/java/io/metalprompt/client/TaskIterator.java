package io.metalprompt.client;

import java.util.HashSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * The tenant's tasks one page at a time: the next page is fetched only once the current one is used up, with the
 * {@code nextCursor} of the page before, until a page has none. A gateway that hands out a cursor a second time
 * would make this loop forever: that is an error instead.
 */
final class TaskIterator implements Iterator<TaskView> {

    private final BiFunction<Integer, String, TaskPage> fetch;
    private final int pageSize;
    private final Set<String> cursorsSeen = new HashSet<>();
    private Iterator<TaskView> page;
    private String cursor;
    private boolean last;

    TaskIterator(int pageSize, BiFunction<Integer, String, TaskPage> fetch) {
        this.pageSize = pageSize;
        this.fetch = fetch;
    }

    @Override
    public boolean hasNext() {
        while ((page == null || !page.hasNext()) && !last) {
            TaskPage next = fetch.apply(pageSize, cursor);
            page = next.tasks().iterator();
            cursor = next.nextCursor();
            last = cursor == null || cursor.isEmpty();
            if (!last && !cursorsSeen.add(cursor)) {
                throw new IllegalStateException("the gateway sent the task cursor '" + cursor + "' twice");
            }
        }
        return page.hasNext();
    }

    @Override
    public TaskView next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return page.next();
    }
}
