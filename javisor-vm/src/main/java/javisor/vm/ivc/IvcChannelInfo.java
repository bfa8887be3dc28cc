package javisor.vm.ivc;

import java.util.Map;
import java.util.OptionalLong;

/**
 * What {@code ivc list} shows of one channel.
 *
 * @param publisherAddress    where the publisher maps it, empty once it unpublished (subscribers remain)
 * @param subscriberAddresses where each subscriber maps it, by VM id
 */
public record IvcChannelInfo(long publisherId, long key, long size, OptionalLong publisherAddress,
                             Map<Long, Long> subscriberAddresses, long notifications) {
}
